PKGS_kscore := jansson zlib
