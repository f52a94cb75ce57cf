/*
 * k_model_save.c - what every model kind does alike to save itself: its
 * header assembled from its four parts, its payload encoded in the model
 * file format (k_model.c), the file published as a new version of the
 * store (k_store.c).
 */
#include "model/k_model.h"

enum k_status
k_model_header_make(json_t **out, const char *kind, json_t *params,
                    json_t *features, json_t *training, json_t *metrics,
                    struct k_error *err)
{
	json_t *h = k_model_header_new(kind);

	*out = NULL;
	if (h == NULL || params == NULL || features == NULL ||
	    training == NULL || metrics == NULL) {
		json_decref(h);
		json_decref(params);
		json_decref(features);
		json_decref(training);
		json_decref(metrics);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	json_object_set_new(h, "params", params);
	json_object_set_new(h, "features", features);
	json_object_set_new(h, "training", training);
	json_object_set_new(h, "metrics", metrics);
	*out = h;
	return K_OK;
}

enum k_status
k_model_save(const struct k_store *st, const char *kind,
             const json_t *header, struct k_buf *payload, const char *version,
             char vout[K_VERSION_MAX + 1], char pout[K_PATH_MAX],
             struct k_error *err)
{
	struct k_buf file;
	enum k_status s;

	k_buf_init(&file);
	if (payload->oom)
		s = k_error_set(err, K_ENOMEM, "out of memory");
	else
		s = k_model_encode(kind, header, payload->data, payload->len, 1,
		                   &file, err);
	if (s == K_OK)
		s = k_store_publish(st, kind, version, file.data, file.len, vout,
		                    pout, err);
	k_buf_release(payload);
	k_buf_release(&file);
	return s;
}
