{
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!@(node find-libtorch.cjs include)"],
    "defines": ["NAPI_EXPERIMENTAL", "NODE_API_EXPERIMENTAL_NOGC_ENV_OPT_OUT", "NAPI_CPP_EXCEPTIONS", "<!(node find-libtorch.cjs defines)"],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"]
  },
  "targets": [
    {
      "target_name": "latentlab",
      "sources": ["src/addon.cc", "src/handle.cc", "src/ops.cc", "src/autograd.cc", "src/memory.cc", "src/runtime.cc", "src/optim.cc", "src/optim_kernels.cc", "src/profiler.cc"],
      # -fopenmp at compile time only: at::parallel_for is inline OpenMP code (optim.cc), and its
      # GOMP_* calls bind at load time to the libgomp that libtorch itself loaded (no second one).
      "cflags_cc": ["-fopenmp", "-ffp-contract=off"],
      "libraries": ["<!@(node find-libtorch.cjs libs)"],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["optim_kernels_avx2", "optim_kernels_avx512"],
          "defines": ["LL_OPTIM_AVX2", "LL_OPTIM_AVX512"]
        }]
      ]
    }
  ],
  # The fused optimizer kernels again for AVX2 and AVX512, as ATen builds its own (optim_kernels.h).
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "optim_kernels_avx2",
          "type": "static_library",
          "sources": ["src/optim_kernels.cc"],
          "include_dirs": ["src/sleef-shim"],
          "defines": ["CPU_CAPABILITY=AVX2", "CPU_CAPABILITY_AVX2"],
          "cflags_cc": ["-fPIC", "-mavx2", "-mfma", "-ffp-contract=off"]
        },
        {
          "target_name": "optim_kernels_avx512",
          "type": "static_library",
          "sources": ["src/optim_kernels.cc"],
          "include_dirs": ["src/sleef-shim"],
          "defines": ["CPU_CAPABILITY=AVX512", "CPU_CAPABILITY_AVX512"],
          "cflags_cc": ["-fPIC", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mfma", "-ffp-contract=off", "-Wno-uninitialized", "-Wno-maybe-uninitialized"]
        }
      ]
    }]
  ]
}
