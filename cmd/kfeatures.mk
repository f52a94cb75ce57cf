PKGS_kfeatures := jansson zlib
