// The arithmetic of the fused optimizer steps (optim.cc), compiled once per CPU capability
// (optim_kernels.cc: DEFAULT, and AVX2 / AVX512 on x86-64) as ATen compiles its own kernels, so
// that the step uses the same vector width and the same fused multiply-adds as the ATen kernels
// of the reference path: ATen picks the capability at run time (at::native::get_cpu_capability,
// ATEN_CPU_CAPABILITY), and optim.cc picks the same one. Plain types only: this header is
// included by translation units built with different instruction sets.
#pragma once
#include <cstdint>

namespace ll {
namespace fused {

// Pointers to float (f64 false) or double buffers of one length.
struct AdamArgs {
  void* param;
  const void* grad;
  void* exp_avg;
  void* exp_avg_sq;
  bool f64;
  int64_t step;
  double lr, beta1, beta2, eps, weight_decay;
  bool decoupled;
};

struct SgdArgs {
  void* param;
  const void* grad;
  void* momentum_buffer;  // may be null when momentum is 0
  bool f64;
  int64_t step;
  double lr, momentum, dampening, weight_decay;
  bool nesterov;
};

struct RmspropArgs {
  void* param;
  const void* grad;
  void* square_avg;
  void* momentum_buffer;  // may be null when momentum is 0
  void* grad_avg;         // may be null when not centered
  bool f64;
  double lr, alpha, eps, weight_decay, momentum;
  bool centered;
};

// Each function updates elements [begin, end) of its buffers; optim.cc splits the range over threads.
struct KernelTable {
  void (*adam)(const AdamArgs&, int64_t begin, int64_t end);
  void (*sgd)(const SgdArgs&, int64_t begin, int64_t end);
  void (*rmsprop)(const RmspropArgs&, int64_t begin, int64_t end);
  const char* capability;
};

KernelTable KernelsDEFAULT();
#ifdef LL_OPTIM_AVX2
KernelTable KernelsAVX2();
#endif
#ifdef LL_OPTIM_AVX512
KernelTable KernelsAVX512();
#endif

}  // namespace fused
}  // namespace ll
