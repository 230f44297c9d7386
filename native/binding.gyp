{
  "targets": [
    {
      "target_name": "latentlab",
      "sources": ["src/addon.cc", "src/handle.cc", "src/ops.cc", "src/autograd.cc", "src/memory.cc", "src/runtime.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!@(node find-libtorch.cjs include)"],
      "defines": ["NAPI_EXPERIMENTAL", "NODE_API_EXPERIMENTAL_NOGC_ENV_OPT_OUT", "NAPI_CPP_EXCEPTIONS", "<!(node find-libtorch.cjs defines)"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "libraries": ["<!@(node find-libtorch.cjs libs)"]
    }
  ]
}
