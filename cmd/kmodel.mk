PKGS_kmodel := jansson zlib
