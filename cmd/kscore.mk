PKGS_kscore := jansson zlib
# Loads nothing at run time: linked statically (see STATIC in the Makefile).
STATIC_kscore := yes
