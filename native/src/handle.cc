// Tensor handles: napi Externals tagged so that foreign objects are refused.
#include <atomic>

#include "common.h"

namespace ll {
namespace {
const napi_type_tag kTensorTag = {0x6c6174656e746c61ULL, 0x62546e7372426f78ULL};
std::atomic<int64_t> live{0};

int64_t BytesOf(const at::Tensor& t) { return t.defined() ? static_cast<int64_t>(t.numel() * t.element_size()) : 0; }
}  // namespace

[[noreturn]] void ThrowError(Napi::Env env, const std::string& msg) { throw Napi::Error::New(env, msg); }

namespace {
// Frees the libtorch tensor (not the box). Allowed inside GC: no JavaScript is touched.
void ReleaseBasic(node_api_basic_env env, TensorBox* box) {
  if (!box->t.defined()) return;
  box->t.reset();
  live--;
  int64_t ignored;
  if (box->bytes) napi_adjust_external_memory(env, -box->bytes, &ignored);
  box->bytes = 0;
}

// A "basic" finalizer runs during garbage collection itself. A regular one would be deferred
// to the event loop, which a synchronous training loop never reaches: memory then grew by
// ~235 bytes per tensor ever made (470 MB over 2M tensors) until the loop ended.
void FinalizeBox(node_api_basic_env env, void* data, void* /*hint*/) {
  auto* box = static_cast<TensorBox*>(data);
  ReleaseBasic(env, box);
  delete box;
}
}  // namespace

void Release(Napi::Env env, TensorBox* box) { ReleaseBasic(env, box); }

Napi::Value Wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  auto* box = new TensorBox{std::move(t), 0};
  box->bytes = BytesOf(box->t);
  live++;
  napi_value ext;
  napi_status st = napi_create_external(env, box, FinalizeBox, nullptr, &ext);
  if (st != napi_ok) {
    ReleaseBasic(env, box);
    delete box;
    NAPI_THROW_IF_FAILED(env, st, Napi::Value());
  }
  napi_type_tag_object(env, ext, &kTensorTag);
  // Tell V8 about native memory so that forgotten tensors still trigger collection.
  int64_t ignored;
  if (box->bytes) napi_adjust_external_memory(env, box->bytes, &ignored);
  return Napi::Value(env, ext);
}

bool IsTensor(Napi::Env env, const Napi::Value& v) {
  if (!v.IsExternal()) return false;
  bool ok = false;
  napi_check_object_type_tag(env, v, &kTensorTag, &ok);
  return ok;
}

const at::Tensor& Unwrap(Napi::Env env, const Napi::Value& v, const char* what) {
  if (!IsTensor(env, v)) {
    throw Napi::TypeError::New(env, std::string(what) + ": expected a tensor handle");
  }
  const at::Tensor& t = v.As<Napi::External<TensorBox>>().Data()->t;
  if (!t.defined()) {
    throw Napi::Error::New(env, std::string(what) + ": tensor was already disposed");
  }
  return t;
}

int64_t LiveTensors() { return live.load(); }

at::ScalarType ParseDtype(Napi::Env env, const std::string& n) {
  if (n == "float32") return at::kFloat;
  if (n == "float64") return at::kDouble;
  if (n == "float16") return at::kHalf;
  if (n == "bfloat16") return at::kBFloat16;
  if (n == "int64") return at::kLong;
  if (n == "int32") return at::kInt;
  if (n == "int16") return at::kShort;
  if (n == "int8") return at::kChar;
  if (n == "uint8") return at::kByte;
  if (n == "bool") return at::kBool;
  throw Napi::TypeError::New(env, "unknown dtype '" + n +
                                      "' (expected float32, float64, float16, bfloat16, int64, "
                                      "int32, int16, int8, uint8 or bool)");
}

const char* DtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat:
      return "float32";
    case at::kDouble:
      return "float64";
    case at::kHalf:
      return "float16";
    case at::kBFloat16:
      return "bfloat16";
    case at::kLong:
      return "int64";
    case at::kInt:
      return "int32";
    case at::kShort:
      return "int16";
    case at::kChar:
      return "int8";
    case at::kByte:
      return "uint8";
    case at::kBool:
      return "bool";
    default:
      return c10::toString(t);
  }
}

std::string Describe(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); i++) s += (i ? ", " : "") + std::to_string(t.size(i));
  s += "] ";
  s += DtypeName(t.scalar_type());
  if (!t.device().is_cpu()) s += " " + t.device().str();
  return s;
}

}  // namespace ll
