PKGS_kmodel := jansson zlib
# Loads nothing at run time: linked statically (see STATIC in the Makefile).
STATIC_kmodel := yes
