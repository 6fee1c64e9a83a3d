#ifndef NIANBAO_CLIBXML2_SHIM_H
#define NIANBAO_CLIBXML2_SHIM_H
#include <stdlib.h>
#include <libxml/xmlversion.h>
/* Debian enables ICU in libxml2's headers; its UErrorCode clashes with Foundation's. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>

/* libxml2's dotted version, e.g. "2.9.14". */
static inline const char *nianbao_libxml2_version(void) { return LIBXML_DOTTED_VERSION; }

/* The version of the libxml2 loaded at run time, e.g. 20914 (xmlParserVersion is a macro in threaded builds). */
static inline int nianbao_libxml2_runtime_version(void) { return atoi(xmlParserVersion); }

static void nianbao_xml_silent(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

/* Silence libxml2's generic error printer on the calling thread. */
static inline void nianbao_libxml2_silence(void) {
    xmlSetGenericErrorFunc(NULL, nianbao_xml_silent);
    xmlSetStructuredErrorFunc(NULL, NULL);
}
#endif
