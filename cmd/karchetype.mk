PKGS_karchetype := jansson zlib
# XGBoost has no pkg-config file, and Debian ships no static archive of it.
LIBS_karchetype := -lxgboost
