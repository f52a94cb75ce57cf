PKGS_ktrain := jansson zlib
LIBS_ktrain := -lxgboost
# Linked dynamically: Debian's libxgboost-dev has no static archive (and
# XGBoost needs libstdc++ and libgomp), so ktrain cannot load nothing at
# run time as the programs with STATIC_<prog> := yes do (see the Makefile).
STATIC_ktrain := no
