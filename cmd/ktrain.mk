PKGS_ktrain := jansson zlib
# Loads nothing at run time: linked statically (see STATIC in the Makefile).
STATIC_ktrain := yes
