PKGS_kfetch := jansson zlib libcurl
