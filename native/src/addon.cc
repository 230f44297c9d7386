// latentlab's native addon: a thin layer over libtorch that knows nothing of models.
#include "common.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace ll {
void InitOps(Napi::Env env, Napi::Object exports);
void InitAutograd(Napi::Env env, Napi::Object exports);
void InitMemory(Napi::Env env, Napi::Object exports);
void InitRuntime(Napi::Env env, Napi::Object exports);
void InitOptim(Napi::Env env, Napi::Object exports);
void InitProfiler(Napi::Env env, Napi::Object exports);
}  // namespace ll

// glibc serves every allocation above 32 MiB with a fresh mmap and unmaps it on free, so a
// tensor of that size made every batch (evaluation at batch 1000, FID features) page-faults
// its memory in again each time: 5 to 10 times slower here. Keeping such blocks in the heap
// for reuse, as PyTorch's caching allocators do, costs only the high-water mark of memory.
// The user's own settings win: MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_, or the same
// through GLIBC_TUNABLES (glibc.malloc.mmap_threshold / trim_threshold).
static bool UserSets(const char* legacy, const char* tunable) {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return std::getenv(legacy) || (tunables && std::strstr(tunables, tunable));
}

static void KeepLargeBlocks() {
  constexpr int kOneGiB = 1 << 30;
  if (!UserSets("MALLOC_MMAP_THRESHOLD_", "glibc.malloc.mmap_threshold")) mallopt(M_MMAP_THRESHOLD, kOneGiB);
  if (!UserSets("MALLOC_TRIM_THRESHOLD_", "glibc.malloc.trim_threshold")) mallopt(M_TRIM_THRESHOLD, kOneGiB);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  KeepLargeBlocks();
  ll::InitOps(env, exports);
  ll::InitAutograd(env, exports);
  ll::InitMemory(env, exports);
  ll::InitRuntime(env, exports);
  ll::InitOptim(env, exports);
  ll::InitProfiler(env, exports);
  return exports;
}

NODE_API_MODULE(latentlab, Init)
