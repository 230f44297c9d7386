// Autograd entry points that are not ATen operators: backward, grad (with create_graph
// for second-order terms such as WGAN-GP's gradient penalty), .grad, and grad mode.
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/variable.h>

#include "common.h"

namespace ll {
namespace {

std::vector<at::Tensor> TensorList(Napi::Env env, const Napi::Value& v, const char* what, bool allowNull) {
  std::vector<at::Tensor> out;
  if (v.IsUndefined() || v.IsNull()) return out;
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value x = arr.Get(i);
    if (allowNull && (x.IsNull() || x.IsUndefined())) {
      out.emplace_back();
    } else {
      out.push_back(Unwrap(env, x, what));
    }
  }
  return out;
}

// backward(outputs[], gradOutputs[]|null, retainGraph, createGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LL_GUARD(env, "backward", {
    auto outputs = TensorList(env, info[0], "backward", false);
    auto grads = TensorList(env, info[1], "backward", true);
    bool retain = info[2].ToBoolean(), create = info[3].ToBoolean();
    torch::autograd::backward(outputs, grads, retain, create);
  })
  return env.Undefined();
}

// grad(outputs[], inputs[], gradOutputs[]|null, retainGraph, createGraph, allowUnused)
Napi::Value Grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LL_GUARD(env, "grad", {
    auto outputs = TensorList(env, info[0], "grad", false);
    auto inputs = TensorList(env, info[1], "grad", false);
    auto grads = TensorList(env, info[2], "grad", true);
    bool retain = info[3].ToBoolean(), create = info[4].ToBoolean();
    bool allowUnused = info[5].ToBoolean();
    auto result = torch::autograd::grad(outputs, inputs, grads, retain, create, allowUnused);
    auto arr = Napi::Array::New(env, result.size());
    for (size_t i = 0; i < result.size(); i++) arr.Set(i, Wrap(env, result[i]));
    return arr;
  })
  return env.Undefined();
}

Napi::Value GetGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = Unwrap(env, info[0], "grad");
  return Wrap(env, t.grad());
}

// setGrad(t, g|null): null clears the gradient (zeroGrad with set_to_none, as PyTorch does).
Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = Unwrap(env, info[0], "setGrad");
  LL_GUARD(env, "setGrad", {
    if (info[1].IsNull() || info[1].IsUndefined()) {
      t.mutable_grad().reset();
    } else {
      t.mutable_grad() = Unwrap(env, info[1], "setGrad");
    }
  })
  return env.Undefined();
}

Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Unwrap(info.Env(), info[0], "requiresGrad").requires_grad());
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = Unwrap(env, info[0], "setRequiresGrad");
  LL_GUARD(env, "setRequiresGrad", { t.set_requires_grad(info[1].ToBoolean()); })
  return env.Undefined();
}

Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Unwrap(info.Env(), info[0], "isLeaf").is_leaf());
}

Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  c10::GradMode::set_enabled(info[0].ToBoolean());
  return info.Env().Undefined();
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

}  // namespace

void InitAutograd(Napi::Env env, Napi::Object exports) {
  exports.Set("backward", Napi::Function::New(env, Backward));
  exports.Set("grad", Napi::Function::New(env, Grad));
  exports.Set("getGrad", Napi::Function::New(env, GetGrad));
  exports.Set("setGrad", Napi::Function::New(env, SetGrad));
  exports.Set("requiresGrad", Napi::Function::New(env, RequiresGrad));
  exports.Set("setRequiresGrad", Napi::Function::New(env, SetRequiresGrad));
  exports.Set("isLeaf", Napi::Function::New(env, IsLeaf));
  exports.Set("setGradEnabled", Napi::Function::New(env, SetGradEnabled));
  exports.Set("isGradEnabled", Napi::Function::New(env, IsGradEnabled));
}

}  // namespace ll
