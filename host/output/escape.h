/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Escaping of untrusted strings (paths, comm, hostnames come from the
 * kernel, written by any process) for each place they are shown.
 */
#ifndef BPFHOST_ESCAPE_H
#define BPFHOST_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../strbuf.h"

/*
 * Decode one UTF-8 sequence at s (n bytes available).  Returns its length
 * and sets *cp, or 0 when the bytes are not valid UTF-8 (overlong forms,
 * surrogates and code points past U+10FFFF included).
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * True when the escapes below show s as exactly these bytes: it is valid
 * UTF-8 and, with controls, holds no control character (whose #ooo reads
 * like the text "#ooo").
 */
bool escape_exact(const char *s, size_t n, bool controls);

/* The n bytes as lowercase hex, two digits a byte. */
void hex_bytes(struct strbuf *sb, const void *s, size_t n);

/*
 * JSON string contents per RFC 8259 (no quotes added): '"' and '\' escaped,
 * control characters as \n, \t, ... or \u00XX, DEL and U+2028/U+2029 as
 * \uXXXX, each byte that is not part of valid UTF-8 replaced by U+FFFD,
 * so the output is valid UTF-8 (and value_needs_hex() says when it lost
 * bytes).
 */
void json_escape(struct strbuf *sb, const char *s, size_t n);

/*
 * Text for a terminal or a log file, as one column: printable UTF-8 as is;
 * '\' doubled; as \xNN each byte of a space, a control character (C0, DEL,
 * C1), a code point that shows as blank or not at all or reorders the text
 * (no-break and other spaces, zero-width and bidirectional marks), and
 * bytes that are not UTF-8.  So no escape sequence written by a traced
 * process reaches the terminal, no value reads as two, and the bytes read
 * back exactly: each "\\" is '\', each "\xNN" the byte NN, the rest as is.
 */
void text_escape(struct strbuf *sb, const char *s, size_t n);

/*
 * Contents of a value in a key=value or delimited format (SD-PARAM, CEF,
 * LEEF): each ASCII byte c with esc[c] set becomes '\' esc[c]; with
 * controls (the message is a line that may reach a terminal), other C0,
 * DEL and C1 controls become #ooo per byte, as rsyslog writes them; bytes
 * that are not UTF-8 become U+FFFD each, as in json_escape.
 */
void backslash_escape(struct strbuf *sb, const char *s, size_t n,
		      const char esc[128], bool controls);

/* Length of s up to the first NUL, at most max. */
size_t str_field_len(const char *s, size_t max);

#endif
