// Fused optimizer steps: Adam/AdamW, SGD and RMSprop over flat contiguous CPU buffers, each in
// ONE vectorised, multi-threaded pass. The reference path (src/tensor/optim/*.ts, PyTorch 1.13's
// _single_tensor_* code) makes 6 to 10 ATen calls per step, each reading and writing whole
// buffers; here every element is loaded once, updated in registers and stored once, the idea of
// apex's and DeepSpeed's fused optimizers. This file checks the arguments, splits the work over
// ATen's threads with at::parallel_for (built with -fopenmp, so that it runs on libtorch's own
// OpenMP threads) and runs the arithmetic of optim_kernels.cc for the CPU capability ATen uses.
// Nothing here knows any model.
#include <ATen/MemoryOverlap.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>

#include <cmath>
#include <string>
#include <vector>

#include "common.h"
#include "optim_kernels.h"

namespace ll {
namespace {

// Elements per task of at::parallel_for: large enough that a thread's share outweighs waking it.
constexpr int64_t kGrain = 32768;

// ---- argument checks ------------------------------------------------------------------------

struct Call {
  Napi::Env env;
  const char* fn;
  [[noreturn]] void Fail(const std::string& msg, bool type_error = true) const {
    std::string text = std::string(fn) + ": " + msg;
    if (type_error) throw Napi::TypeError::New(env, text);
    throw Napi::RangeError::New(env, text);
  }
};

// A buffer the step reads or writes: a live CPU float32/float64 contiguous tensor; `like`
// (the parameter) fixes the dtype and the element count of the others.
at::Tensor Buffer(const Call& c, const Napi::Value& v, const char* name, const at::Tensor* like) {
  if (!IsTensor(c.env, v)) c.Fail(std::string("argument '") + name + "' must be a tensor handle");
  at::Tensor t = v.As<Napi::External<TensorBox>>().Data()->t;
  if (!t.defined()) c.Fail(std::string("argument '") + name + "' was already disposed", false);
  const std::string what = std::string("argument '") + name + "' (" + Describe(t) + ")";
  if (!t.device().is_cpu()) c.Fail(what + " must be on the CPU");
  if (t.scalar_type() != at::kFloat && t.scalar_type() != at::kDouble) c.Fail(what + " must be float32 or float64");
  if (!t.is_contiguous()) c.Fail(what + " must be contiguous");
  if (like && t.scalar_type() != like->scalar_type())
    c.Fail(what + " must have the parameter's dtype, " + DtypeName(like->scalar_type()));
  if (like && t.numel() != like->numel())
    c.Fail(what + " has " + std::to_string(t.numel()) + " elements, the parameter " + std::to_string(like->numel()),
           false);
  return t;
}

// An optional buffer: null or undefined gives an undefined tensor (the option that uses it is off).
at::Tensor OptionalBuffer(const Call& c, const Napi::Value& v, const char* name, const at::Tensor& like) {
  if (v.IsNull() || v.IsUndefined()) return at::Tensor();
  return Buffer(c, v, name, &like);
}

// Writing through raw pointers would corrupt results if two buffers shared memory.
void CheckDisjoint(const Call& c, const std::vector<std::pair<const char*, at::Tensor>>& buffers) {
  for (size_t i = 0; i < buffers.size(); i++) {
    for (size_t j = i + 1; j < buffers.size(); j++) {
      const auto& [na, a] = buffers[i];
      const auto& [nb, b] = buffers[j];
      if (a.defined() && b.defined() && at::get_overlap_status(a, b) != at::MemOverlapStatus::No)
        c.Fail(std::string("arguments '") + na + "' and '" + nb + "' share memory");
    }
  }
}

// The settings object's number `key`; a finite number is required.
double Setting(const Call& c, const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) c.Fail(std::string("setting '") + key + "' must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) c.Fail(std::string("setting '") + key + "' must be finite", false);
  return d;
}

bool Flag(const Call& c, const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsBoolean()) c.Fail(std::string("setting '") + key + "' must be true or false");
  return v.As<Napi::Boolean>().Value();
}

// The 1-based step count: a positive integer.
int64_t StepSetting(const Call& c, const Napi::Object& o) {
  double d = Setting(c, o, "step");
  if (d < 1 || d != std::floor(d)) c.Fail("setting 'step' must be a positive integer, got " + std::to_string(d), false);
  return static_cast<int64_t>(d);
}

Napi::Object Settings(const Call& c, const Napi::Value& v) {
  if (!v.IsObject()) c.Fail("the last argument must be the settings object");
  return v.As<Napi::Object>();
}

// In-place ATen ops bump a tensor's version so that autograd refuses a graph whose saved
// tensors changed; raw writes must do the same to keep that safety net.
void BumpVersions(std::initializer_list<const at::Tensor*> written) {
  for (const at::Tensor* t : written)
    if (t->defined()) t->unsafeGetTensorImpl()->bump_version();
}

// An optional buffer's data, or null.
void* Ptr(const at::Tensor& t) { return t.defined() ? t.data_ptr() : nullptr; }

// ---- the steps ----------------------------------------------------------------------------

// The vector instruction set ATen's own kernels run with, as ATen reports it ("CPU capability
// usage: AVX2" in at::show_config(); ATEN_CPU_CAPABILITY=default|avx2|avx512 changes it). Its
// get_cpu_capability() is not exported from libtorch, hence the text.
std::string AtenCapability() {
  const std::string config = at::show_config();
  const std::string key = "CPU capability usage: ";
  const size_t pos = config.find(key);
  if (pos == std::string::npos) return "DEFAULT";
  const std::string value = config.substr(pos + key.size(), config.find('\n', pos) - pos - key.size());
  return value == "AVX512" || value == "AVX2" ? value : "DEFAULT";
}

// The kernels of the capability ATen uses, so that both paths round alike; DEFAULT where that
// capability was not built (another architecture) or ATen runs without AVX.
const fused::KernelTable& Kernels() {
  static const fused::KernelTable table = [] {
    const std::string capability = AtenCapability();
#ifdef LL_OPTIM_AVX512
    if (capability == "AVX512") return fused::KernelsAVX512();
#endif
#ifdef LL_OPTIM_AVX2
    if (capability != "DEFAULT") return fused::KernelsAVX2();
#endif
    return fused::KernelsDEFAULT();
  }();
  return table;
}

// Splits the buffers over ATen's threads (as ATen's own element-wise kernels do) and runs the
// step on each part; the raw writes then bump the written tensors' versions.
template <typename Args>
void Run(void (*kernel)(const Args&, int64_t, int64_t), const Args& args, int64_t numel,
         std::initializer_list<const at::Tensor*> written) {
  at::parallel_for(0, numel, kGrain, [&](int64_t begin, int64_t end) { kernel(args, begin, end); });
  BumpVersions(written);
}

// fusedAdamStep(param, grad, expAvg, expAvgSq, {step, lr, beta1, beta2, eps, weightDecay, decoupled}):
// Adam (Kingma & Ba, 2015) or, with decoupled, AdamW (Loshchilov & Hutter, 2019).
Napi::Value FusedAdamStep(const Napi::CallbackInfo& info) {
  const Call c{info.Env(), "fusedAdamStep"};
  at::Tensor param = Buffer(c, info[0], "param", nullptr);
  at::Tensor grad = Buffer(c, info[1], "grad", &param);
  at::Tensor exp_avg = Buffer(c, info[2], "expAvg", &param);
  at::Tensor exp_avg_sq = Buffer(c, info[3], "expAvgSq", &param);
  CheckDisjoint(c, {{"param", param}, {"grad", grad}, {"expAvg", exp_avg}, {"expAvgSq", exp_avg_sq}});
  Napi::Object o = Settings(c, info[4]);
  const fused::AdamArgs a{param.data_ptr(),
                          grad.data_ptr(),
                          exp_avg.data_ptr(),
                          exp_avg_sq.data_ptr(),
                          param.scalar_type() == at::kDouble,
                          StepSetting(c, o),
                          Setting(c, o, "lr"),
                          Setting(c, o, "beta1"),
                          Setting(c, o, "beta2"),
                          Setting(c, o, "eps"),
                          Setting(c, o, "weightDecay"),
                          Flag(c, o, "decoupled")};
  LL_GUARD(c.env, c.fn, { Run(Kernels().adam, a, param.numel(), {&param, &exp_avg, &exp_avg_sq}); })
  return c.env.Undefined();
}

// fusedSgdStep(param, grad, momentumBuffer | null, {step, lr, momentum, dampening, nesterov, weightDecay}):
// SGD with (Nesterov) momentum; at step 1 the buffer starts as the gradient, as in PyTorch.
Napi::Value FusedSgdStep(const Napi::CallbackInfo& info) {
  const Call c{info.Env(), "fusedSgdStep"};
  at::Tensor param = Buffer(c, info[0], "param", nullptr);
  at::Tensor grad = Buffer(c, info[1], "grad", &param);
  at::Tensor buffer = OptionalBuffer(c, info[2], "momentumBuffer", param);
  CheckDisjoint(c, {{"param", param}, {"grad", grad}, {"momentumBuffer", buffer}});
  Napi::Object o = Settings(c, info[3]);
  const fused::SgdArgs a{param.data_ptr(),
                         grad.data_ptr(),
                         Ptr(buffer),
                         param.scalar_type() == at::kDouble,
                         StepSetting(c, o),
                         Setting(c, o, "lr"),
                         Setting(c, o, "momentum"),
                         Setting(c, o, "dampening"),
                         Setting(c, o, "weightDecay"),
                         Flag(c, o, "nesterov")};
  if (a.momentum != 0 && !buffer.defined()) c.Fail("momentum needs argument 'momentumBuffer'");
  LL_GUARD(c.env, c.fn, { Run(Kernels().sgd, a, param.numel(), {&param, &buffer}); })
  return c.env.Undefined();
}

// fusedRmspropStep(param, grad, squareAvg, momentumBuffer | null, gradAvg | null,
//                  {lr, alpha, eps, weightDecay, momentum, centered}): RMSprop (Hinton, lecture 6e).
Napi::Value FusedRmspropStep(const Napi::CallbackInfo& info) {
  const Call c{info.Env(), "fusedRmspropStep"};
  at::Tensor param = Buffer(c, info[0], "param", nullptr);
  at::Tensor grad = Buffer(c, info[1], "grad", &param);
  at::Tensor square_avg = Buffer(c, info[2], "squareAvg", &param);
  at::Tensor buffer = OptionalBuffer(c, info[3], "momentumBuffer", param);
  at::Tensor grad_avg = OptionalBuffer(c, info[4], "gradAvg", param);
  CheckDisjoint(
      c,
      {{"param", param}, {"grad", grad}, {"squareAvg", square_avg}, {"momentumBuffer", buffer}, {"gradAvg", grad_avg}});
  Napi::Object o = Settings(c, info[5]);
  const fused::RmspropArgs a{param.data_ptr(),
                             grad.data_ptr(),
                             square_avg.data_ptr(),
                             Ptr(buffer),
                             Ptr(grad_avg),
                             param.scalar_type() == at::kDouble,
                             Setting(c, o, "lr"),
                             Setting(c, o, "alpha"),
                             Setting(c, o, "eps"),
                             Setting(c, o, "weightDecay"),
                             Setting(c, o, "momentum"),
                             Flag(c, o, "centered")};
  if (a.momentum > 0 && !buffer.defined()) c.Fail("momentum needs argument 'momentumBuffer'");
  if (a.centered && !grad_avg.defined()) c.Fail("centered needs argument 'gradAvg'");
  LL_GUARD(c.env, c.fn, { Run(Kernels().rmsprop, a, param.numel(), {&param, &square_avg, &buffer, &grad_avg}); })
  return c.env.Undefined();
}

// isContiguous(t): whether t is a dense row-major tensor, which the fused steps need (the
// optimizers ask first and take the reference path otherwise; ATen's dispatcher has no such op).
Napi::Value IsContiguous(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Unwrap(info.Env(), info[0], "isContiguous").is_contiguous());
}

// fusedKernelCapability(): the instruction set the fused steps run with ("AVX2"), for benchmarks.
Napi::Value FusedKernelCapability(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Kernels().capability);
}

}  // namespace

void InitOptim(Napi::Env env, Napi::Object exports) {
  exports.Set("fusedKernelCapability", Napi::Function::New(env, FusedKernelCapability));
  exports.Set("isContiguous", Napi::Function::New(env, IsContiguous));
  exports.Set("fusedAdamStep", Napi::Function::New(env, FusedAdamStep));
  exports.Set("fusedSgdStep", Napi::Function::New(env, FusedSgdStep));
  exports.Set("fusedRmspropStep", Napi::Function::New(env, FusedRmspropStep));
}

}  // namespace ll
