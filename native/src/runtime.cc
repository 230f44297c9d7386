// Process-wide settings: seeds and RNG state, threads, and what this libtorch was built with.
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/csrc/api/include/torch/version.h>

#include "common.h"

namespace ll {
namespace {

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double s = info[0].As<Napi::Number>().DoubleValue();
  if (s < 0 || s != static_cast<double>(static_cast<uint64_t>(s))) {
    throw Napi::RangeError::New(env, "manualSeed: seed must be a non-negative integer");
  }
  LL_GUARD(env, "manualSeed", { at::manual_seed(static_cast<uint64_t>(s)); })
  return env.Undefined();
}

// The CPU generator's full state as a uint8 tensor, so that resumed runs draw the same numbers.
Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LL_GUARD(env, "getRngState", {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return Wrap(env, gen.get_state());
  })
  return env.Undefined();
}

Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = Unwrap(env, info[0], "setRngState");
  LL_GUARD(env, "setRngState", {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(t);
  })
  return env.Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n < 1) throw Napi::RangeError::New(env, "setNumThreads: need at least 1 thread");
  LL_GUARD(env, "setNumThreads", { at::set_num_threads(n); })
  return env.Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("version", TORCH_VERSION);
  o.Set("config", at::show_config());
  o.Set("parallel", at::get_parallel_info());
  o.Set("cudaAvailable", at::hasCUDA());
  o.Set("cudaDevices", at::hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0);
  o.Set("mkldnn", at::hasMKLDNN());
  return o;
}

// Blocks until queued CUDA work is done, so that timings measure the work itself.
Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LL_GUARD(env, "synchronize", {
    if (at::hasCUDA()) at::detail::getCUDAHooks().deviceSynchronize(0);
  })
  return env.Undefined();
}

}  // namespace

void InitRuntime(Napi::Env env, Napi::Object exports) {
  exports.Set("manualSeed", Napi::Function::New(env, ManualSeed));
  exports.Set("getRngState", Napi::Function::New(env, GetRngState));
  exports.Set("setRngState", Napi::Function::New(env, SetRngState));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo));
  exports.Set("synchronize", Napi::Function::New(env, Synchronize));
}

}  // namespace ll
