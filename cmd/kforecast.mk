PKGS_kforecast := jansson zlib
