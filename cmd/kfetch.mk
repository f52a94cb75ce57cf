# libcurl is not linked: k_curl loads it on the first live request, so
# start-up, --help and --replay do not pay for its thirty libraries.
PKGS_kfetch := jansson zlib
