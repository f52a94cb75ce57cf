PKGS_kforecast := jansson zlib
# Loads nothing at run time: linked statically (see STATIC in the Makefile).
STATIC_kforecast := yes
