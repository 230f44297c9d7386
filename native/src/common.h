// Shared pieces of the addon: the tensor handle given to JavaScript, dtype names,
// and the error guard that turns every C++ exception into a JavaScript Error.
#pragma once
#include <ATen/ATen.h>
#include <napi.h>

#include <string>

namespace ll {

// A JavaScript tensor handle is a napi External owning one of these. dispose()
// resets `t` at once; the External's finalizer frees the box when V8 collects it.
struct TensorBox {
  at::Tensor t;
  int64_t bytes = 0;  // reported to V8 as external memory while `t` is alive
};

Napi::Value Wrap(Napi::Env env, at::Tensor t);
bool IsTensor(Napi::Env env, const Napi::Value& v);
// Throws a TypeError naming `what` when v is not a live tensor handle.
const at::Tensor& Unwrap(Napi::Env env, const Napi::Value& v, const char* what);
void Release(Napi::Env env, TensorBox* box);
int64_t LiveTensors();

at::ScalarType ParseDtype(Napi::Env env, const std::string& name);
const char* DtypeName(at::ScalarType t);
std::string Describe(const at::Tensor& t);  // "[2, 3] float32"

[[noreturn]] void ThrowError(Napi::Env env, const std::string& msg);

}  // namespace ll

// Every exported function body runs inside this guard: a libtorch error becomes a JS Error
// prefixed with `context`, never an abort.
#define LL_GUARD(env, context, ...)                                                  \
  try {                                                                              \
    __VA_ARGS__                                                                      \
  } catch (const Napi::Error&) {                                                     \
    throw;                                                                           \
  } catch (const c10::Error& e) {                                                    \
    ::ll::ThrowError(env, std::string(context) + ": " + e.what_without_backtrace()); \
  } catch (const std::exception& e) {                                                \
    ::ll::ThrowError(env, std::string(context) + ": " + e.what());                   \
  }
