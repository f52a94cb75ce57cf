PKGS_karchetype := jansson zlib
# XGBoost is loaded when first needed (numeric/k_xgb.c), not linked.
