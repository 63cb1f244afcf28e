/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_CHARSET_H
#define AMPLECALL_CHARSET_H
/* Core layer: the terminal's character set, as the locale names it, and text converted to and from
 * it. Everything inside the program is UTF-8; in a UTF-8 locale these are plain copies. In any
 * other (LANG=C over SSH, ISO-8859-1...) a character the charset lacks is transliterated by
 * glibc's iconv //TRANSLIT ("José" -> "Jose" in ASCII, "“q”" -> "\"q\""), else shown by its
 * base letter, else as "?"; marks and invisible characters that cannot be shown are dropped.
 * No hand-written tables, no curses. */
#include <stdbool.h>

/* Read the charset from the locale: nl_langinfo(CODESET), so after setlocale(LC_CTYPE, "").
 * May be called again after the locale changed; the other functions call it once if needed. */
void charset_init(void);
/* borrowed: "UTF-8", "ANSI_X3.4-1968", "ISO-8859-1", ... */
const char *charset_name(void);
bool charset_is_utf8(void);

/* s (UTF-8) limited to what the terminal can show, still UTF-8: measure widths of this
 * (text_cols) and print it with charset_to_display. Owned; NULL gives "". */
char *charset_fit(const char *s);
/* s (UTF-8) as bytes in the terminal's charset, transliterated as above. Owned; NULL
 * gives "". Identical to s in a UTF-8 locale. */
char *charset_to_display(const char *s);
/* "…" where the terminal has it, else "...": what ends text cut to fit. Borrowed, UTF-8
 * (measure it with text_cols). */
const char *charset_ellipsis(void);
/* Bytes typed in the terminal's charset as UTF-8, for storing and sending; bytes the charset
 * does not define become U+FFFD. In an ASCII locale, input that is valid UTF-8 is kept as it
 * is (a UTF-8 terminal behind an unforwarded locale). Owned; NULL gives "". */
char *charset_from_input(const char *s);

#endif
