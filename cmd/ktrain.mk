PKGS_ktrain := jansson zlib
# XGBoost (ktrain archetype) is loaded when first needed (numeric/k_xgb.c),
# not linked. Linked dynamically all the same: a static program cannot
# dlopen a C++ library built against the system's libc.
STATIC_ktrain := no
# ktrain archetype's default threshold table (data/, compiled in).
DATA_ktrain := archetype-thresholds
LIBS_ktrain := -lsvm
