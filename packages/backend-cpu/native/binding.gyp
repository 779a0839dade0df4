{
  # Alternative build with node-gyp (build.mjs calls the compiler directly and needs no
  # header download): npx node-gyp rebuild --nodedir=/usr
  "targets": [
    {
      "target_name": "heed_gemm",
      "sources": [
        "src/binding.cc",
        "src/gemm.cc",
        "src/kernel_scalar.cc",
        "src/kernel_avx2.cc",
        "src/kernel_avx512.cc",
        "src/rnn.cc",
        "src/rows.cc"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags!": ["-fno-exceptions"],
      "xcode_settings": { "GCC_ENABLE_CPP_EXCEPTIONS": "YES", "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3"] }
    }
  ]
}
