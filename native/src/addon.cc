// latentlab's native addon: a thin layer over libtorch that knows nothing of models.
#include "common.h"

namespace ll {
void InitOps(Napi::Env env, Napi::Object exports);
void InitAutograd(Napi::Env env, Napi::Object exports);
void InitMemory(Napi::Env env, Napi::Object exports);
void InitRuntime(Napi::Env env, Napi::Object exports);
}  // namespace ll

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ll::InitOps(env, exports);
  ll::InitAutograd(env, exports);
  ll::InitMemory(env, exports);
  ll::InitRuntime(env, exports);
  return exports;
}

NODE_API_MODULE(latentlab, Init)
