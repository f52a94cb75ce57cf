PKGS_kfeatures := jansson zlib igraph
