/*
 * kmodel show - one model's kind, version, size, format versions and
 * whole metadata header, as one JSON object.
 */
#include <stdio.h>

#include "base/k_buf.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_out.h"
#include "kmodel.h"
#include "text/k_jsonw.h"

static const struct argp_option options[] = {
	{ "kind", KMODEL_OPT_KIND, "KIND", 0,
	  "Model kind, when a version name alone is ambiguous", 1 },
	{ 0 }
};

static const char doc[] =
	"Print a model's header and metadata as one JSON object."
	"\v"
	"VERSION (default 'latest') is a version name, KIND/VERSION, 'latest' "
	"or a .ktm file. The object has \"kind\", \"version\", \"latest\", "
	"\"path\", \"size\", \"format\" (read and write versions) and "
	"\"header\", the model's whole metadata.\n\n"
	"Example:\n"
	"  kmodel show anomaly/v1.0 | jq .header.params";

static const struct argp argp = { options, kmodel_parse_opt, "[VERSION]",
                                  doc, NULL, NULL, NULL };

int
kmodel_show(int argc, char **argv)
{
	struct kmodel_args o = { 0 };
	struct k_store store;
	struct kmodel_ver v;
	struct k_buf b;
	struct k_jsonw w;

	k_args_parse("kmodel", &argp, K_ARGS_STORE, argc, argv, &o);
	k_store_init(&store, k_opts.model_dir);
	if (o.nargs > 1)
		k_usage_error("show takes at most one VERSION");
	kmodel_resolve(&store, o.kind, o.nargs == 1 ? o.args[0] : "latest", &v);
	if (!v.ok)
		k_die(K_EDATA, "%s", v.err);
	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "kind");
	k_jsonw_str(&w, v.kind);
	k_jsonw_key(&w, "version");
	k_jsonw_str(&w, v.version);
	k_jsonw_key(&w, "latest");
	k_jsonw_bool(&w, v.latest);
	k_jsonw_key(&w, "path");
	k_jsonw_str(&w, v.path);
	k_jsonw_key(&w, "size");
	k_jsonw_int(&w, (long long)v.size);
	k_jsonw_key(&w, "format");
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "read_version");
	k_jsonw_int(&w, v.m.read_version);
	k_jsonw_key(&w, "write_version");
	k_jsonw_int(&w, v.m.write_version);
	k_jsonw_obj_end(&w);
	k_jsonw_key(&w, "header");
	k_jsonw_value(&w, v.m.header);
	k_jsonw_obj_end(&w);
	k_buf_addc(&b, '\n');
	k_out_write(b.data, b.len);
	k_buf_release(&b);
	k_model_release(&v.m);
	return 0;
}
