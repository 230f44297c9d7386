// Moving bytes between JavaScript typed arrays and tensors, tensor metadata, and disposal.
#include <cstring>

#include "common.h"

namespace ll {
namespace {

std::vector<int64_t> Shape(Napi::Env env, const Napi::Value& v) {
  std::vector<int64_t> shape;
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    double d = arr.Get(i).As<Napi::Number>().DoubleValue();
    if (d < 0 || d != static_cast<double>(static_cast<int64_t>(d))) {
      throw Napi::RangeError::New(env, "shape entries must be non-negative integers");
    }
    shape.push_back(static_cast<int64_t>(d));
  }
  return shape;
}

// fromBytes(typedArray, dtype, shape): copies the bytes into a new CPU tensor.
Napi::Value FromBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto ta = info[0].As<Napi::TypedArray>();
  auto dtype = ParseDtype(env, info[1].As<Napi::String>());
  auto shape = Shape(env, info[2]);
  LL_GUARD(env, "fromBytes", {
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    size_t want = t.numel() * t.element_size();
    if (ta.ByteLength() != want) {
      throw Napi::RangeError::New(env, "fromBytes: " + std::to_string(ta.ByteLength()) + " bytes given for shape " +
                                           Describe(t) + ", which needs " + std::to_string(want));
    }
    auto* src = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    if (want) std::memcpy(t.data_ptr(), src, want);
    return Wrap(env, t);
  })
  return env.Undefined();
}

at::Tensor HostContiguous(const at::Tensor& t) { return t.detach().to(at::kCPU).contiguous(); }

// toBytes(t) -> ArrayBuffer with a contiguous little-endian copy of the data.
Napi::Value ToBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = Unwrap(env, info[0], "toBytes");
  LL_GUARD(env, "toBytes", {
    at::Tensor c = HostContiguous(t);
    size_t n = c.numel() * c.element_size();
    auto buf = Napi::ArrayBuffer::New(env, n);
    if (n) std::memcpy(buf.Data(), c.data_ptr(), n);
    return buf;
  })
  return env.Undefined();
}

// toBytesAsync(t) -> Promise<ArrayBuffer>; the device copy runs off the JS thread.
class ToBytesWorker : public Napi::AsyncWorker {
 public:
  ToBytesWorker(Napi::Env env, at::Tensor t)
      : Napi::AsyncWorker(env), t_(std::move(t)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      host_ = HostContiguous(t_);
    } catch (const c10::Error& e) {
      SetError(std::string("toBytesAsync: ") + e.what_without_backtrace());
    }
  }
  void OnOK() override {
    size_t n = host_.numel() * host_.element_size();
    auto buf = Napi::ArrayBuffer::New(Env(), n);
    if (n) std::memcpy(buf.Data(), host_.data_ptr(), n);
    t_.reset();
    host_.reset();
    deferred_.Resolve(buf);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  at::Tensor t_, host_;
  Napi::Promise::Deferred deferred_;
};

Napi::Value ToBytesAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* w = new ToBytesWorker(env, Unwrap(env, info[0], "toBytesAsync"));
  auto p = w->Promise();
  w->Queue();
  return p;
}

// meta(t) -> [dtype, device, ...shape]
Napi::Value Meta(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = Unwrap(env, info[0], "meta");
  auto arr = Napi::Array::New(env, 2 + t.dim());
  arr.Set(0u, DtypeName(t.scalar_type()));
  arr.Set(1u, t.device().str());
  for (int64_t i = 0; i < t.dim(); i++) arr.Set(2 + i, Napi::Number::New(env, t.size(i)));
  return arr;
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = Unwrap(env, info[0], "item");
  LL_GUARD(env, "item", {
    if (t.numel() != 1) {
      throw Napi::Error::New(
          env, "item: tensor of shape " + Describe(t) + " has " + std::to_string(t.numel()) + " elements, not 1");
    }
    if (t.scalar_type() == at::kBool) return Napi::Boolean::New(env, t.item<bool>());
    return Napi::Number::New(env, t.item<double>());
  })
  return env.Undefined();
}

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (IsTensor(env, info[0])) Release(env, info[0].As<Napi::External<TensorBox>>().Data());
  return env.Undefined();
}

Napi::Value IsDisposed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsTensor(env, info[0])) return Napi::Boolean::New(env, true);
  return Napi::Boolean::New(env, !info[0].As<Napi::External<TensorBox>>().Data()->t.defined());
}

Napi::Value Live(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(LiveTensors()));
}

// sameStorage(a, b): whether two handles view the same memory (used to test views).
Napi::Value DataPtr(const Napi::CallbackInfo& info) {
  const at::Tensor& t = Unwrap(info.Env(), info[0], "dataPtr");
  return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<uintptr_t>(t.data_ptr())));
}

}  // namespace

void InitMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("fromBytes", Napi::Function::New(env, FromBytes));
  exports.Set("toBytes", Napi::Function::New(env, ToBytes));
  exports.Set("toBytesAsync", Napi::Function::New(env, ToBytesAsync));
  exports.Set("meta", Napi::Function::New(env, Meta));
  exports.Set("item", Napi::Function::New(env, Item));
  exports.Set("dispose", Napi::Function::New(env, Dispose));
  exports.Set("isDisposed", Napi::Function::New(env, IsDisposed));
  exports.Set("liveTensors", Napi::Function::New(env, Live));
  exports.Set("dataPtr", Napi::Function::New(env, DataPtr));
}

}  // namespace ll
