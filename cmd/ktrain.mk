PKGS_ktrain := jansson zlib
