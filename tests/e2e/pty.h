/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_E2E_PTY_H
#define AMPLECALL_E2E_PTY_H
/* End-to-end terminal driver: runs a program on a real pty and reads its screen through
 * libvterm, which plays an xterm (answers cursor-position and device-attribute queries, keeps
 * an alternate screen).
 *
 * Typical test:
 *     char **env = term_env((const char *const[]){"AMPLECALL_BASE_URL=http://127.0.0.1:8080",
 *                                                   NULL});
 *     struct term *t = term_spawn((const char *const[]){"src/amplecall", NULL},
 *                                 (const char *const *)env, 24, 80);
 *     assert_true(term_wait_text(t, "Disposition", 3000));
 *     term_key(t, "Tab");
 *     term_send(t, "+1 555 0100");
 *     if (!term_wait_regex(t, "To +\\+1 555 0100", 2000)) {
 *         term_dump(t, stderr);
 *         fail();
 *     }
 *     term_key(t, "F10");
 *     assert_int_equal(term_wait_exit(t, 3000), 0);
 *     term_free(t);
 *     term_env_free(env);
 *
 * Every wait is bounded by its timeout_ms and polls the pty; nothing sleeps a fixed time.
 * Waits read the pty and update the screen; the reading functions (term_row, term_find, ...)
 * only look at what has already been read. Rows and columns count from 0. One struct term is
 * used from one thread. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct term;

/* Fixed environment for children: TERM=xterm-256color, LANG=C.UTF-8, INPUTRC=/dev/null,
 * HOME=<fresh mkdtemp dir>, PATH (the test's own, or a default), then each "K=V" of extra
 * (NULL or NULL-terminated) replacing the entry with the same K or added at the end; an extra
 * entry "K" without '=' removes K (e.g. "HOME" for "no home"). Owned: free with
 * term_env_free(), which also deletes the temp HOME and everything in it. Dies on failure. */
char **term_env(const char *const *extra);
/* Value of K in env, borrowed from env (e.g. term_env_get(env, "HOME")); NULL when absent. */
const char *term_env_get(char *const *env, const char *key);
/* Frees an array from term_env() and removes the HOME directory it created. NULL is a no-op. */
void term_env_free(char **env);

/* Run argv (argv[0] is a path, or a name looked up in envp's PATH) on a new pty of rows x cols.
 * The child's environment is exactly envp; NULL means a fresh term_env(NULL) owned and cleaned
 * up by the term. Its stdin/stdout/stderr are the pty, it is a session leader with the pty as
 * controlling terminal, inherits no other fds, has default signal dispositions, and gets
 * SIGKILL if the test process dies. Returns NULL (with a message on stderr) if the pty cannot
 * be created or the program cannot be executed. Owned: term_free(). */
struct term *term_spawn(const char *const argv[], const char *const envp[], int rows, int cols);

/* Kill the process group (SIGKILL) if the child still runs, reap it (bounded), close the pty
 * and free everything. NULL is a no-op. */
void term_free(struct term *t);

/* ---- Input. Each returns false if the bytes could not all be written within 5 s. ---- */

/* Write bytes to the pty as if typed or pasted (UTF-8 passes through unchanged). */
bool term_send(struct term *t, const char *bytes);
bool term_send_len(struct term *t, const char *bytes, size_t len);
/* Press a named key, encoded the way xterm does in the terminal's current modes (e.g. Up is
 * "\033OA" once the program enabled application cursor keys, "\033[A" before):
 *   Tab BTab Enter Esc Backspace Delete Insert Space Up Down Left Right Home End PageUp
 *   PageDown F1..F12 (F1 "\033OP", F5 "\033[15~", F10 "\033[21~"),
 *   any single character ("a", "é", "?"),
 * with optional prefixes C- (control), M- (meta/alt: ESC prefix), S- (shift), combinable:
 *   "C-a".."C-z" (bytes 0x01..0x1a, so "C-i" is Tab and "C-m" is CR as on xterm), "M-x",
 *   "C-M-b", "S-Tab" (same as "BTab"), "C-Left", "S-F3".
 * Returns false (with a message on stderr) for an unknown name or a failed write. */
bool term_key(struct term *t, const char *name);
/* Press several keys given as one space-separated string, e.g. "Tab Tab Enter". Stops at the
 * first failure. */
bool term_keys(struct term *t, const char *names);

/* ---- Waiting: all poll the pty, feed the screen, and return false at timeout_ms. ---- */

/* Read whatever output arrives within timeout_ms (0: only what is already there) and feed
 * it to the screen. Returns true if any byte was read. */
bool term_pump(struct term *t, int timeout_ms);
/* text appears on one screen row (text does not match across rows). */
bool term_wait_text(struct term *t, const char *text, int timeout_ms);
/* text is on no row of the screen. */
bool term_wait_gone(struct term *t, const char *text, int timeout_ms);
/* POSIX extended regex (REG_NEWLINE) matches term_screen()'s text. false for a bad regex. */
bool term_wait_regex(struct term *t, const char *regex, int timeout_ms);
/* No output arrived for quiet_ms (counted from the call or the last byte read, whichever is
 * later); true at once if the program has exited and closed the pty. */
bool term_wait_quiet(struct term *t, int quiet_ms, int timeout_ms);
/* The cursor is at (row, col). */
bool term_wait_cursor(struct term *t, int row, int col, int timeout_ms);
/* Wait for the child to exit while reading its output (so it never blocks on a full pty).
 * Returns its exit status, 128+N if killed by signal N, or -1 on timeout, in which case the
 * child's process group is killed with SIGKILL and reaped. Can be called again after exit. */
int term_wait_exit(struct term *t, int timeout_ms);

/* ---- Screen. Strings are UTF-8; returned char * are owned (free()). ---- */

/* Size of the screen. */
void term_size(struct term *t, int *rows, int *cols);
/* Text of one row, trailing spaces trimmed; a wide character (CJK) is one character covering
 * two columns. Empty string for a row out of range. */
char *term_row(struct term *t, int row);
/* All rows joined with '\n' (each trimmed; no trailing newline). */
char *term_screen(struct term *t);
/* First occurrence of text in row order; row/col (may be NULL) get its screen position (col
 * counts columns, so text after a wide character is found at the right column). */
bool term_find(struct term *t, const char *text, int *row, int *col);
/* Text of a cell range on one row: cols [col, col + ncols), not trimmed. */
char *term_text_at(struct term *t, int row, int col, int ncols);

/* Colour values in struct term_cell_attrs: TERM_COLOR_DEFAULT, a palette index 0..255, or
 * TERM_COLOR_RGB | 0xRRGGBB for a direct colour. */
#define TERM_COLOR_DEFAULT (-1)
#define TERM_COLOR_RGB 0x1000000
struct term_cell_attrs {
    bool bold, underline, reverse, blink, italic, strike;
    bool is_wide; /* the cell holds a two-column character (the next cell continues it) */
    int fg, bg;
};
/* Attributes of the cell at (row, col). false if out of range. A continuation cell of a wide
 * character reports the attributes of the character. */
bool term_attrs_at(struct term *t, int row, int col, struct term_cell_attrs *attrs);
/* Cursor position; visibility as last set by the program (DECTCEM, "\033[?25l"). */
void term_cursor(struct term *t, int *row, int *col);
bool term_cursor_visible(struct term *t);
/* Whether the program switched to the alternate screen ("\033[?1049h", smcup). */
bool term_altscreen(struct term *t);
/* Window title as last set by OSC 0/2, borrowed; "" if never set. */
const char *term_title(struct term *t);
/* Number of BEL characters received. */
unsigned term_bells(struct term *t);

/* ---- Raw output ---- */

/* Total bytes read from the pty since spawn (term_raw_reset() does not change it). */
size_t term_bytes(struct term *t);
/* Every byte read since spawn or the last term_raw_reset(), borrowed until the next read;
 * NUL-terminated for convenience, *len (may be NULL) gets the length. */
const char *term_raw(struct term *t, size_t *len);
void term_raw_reset(struct term *t);
/* Whether the raw bytes since the last reset contain needle (which may hold escapes). */
bool term_raw_contains(struct term *t, const char *needle);

/* ---- Process and terminal ---- */

pid_t term_pid(struct term *t);
/* Send sig to the child. false if it has already been reaped or kill() fails. */
bool term_kill(struct term *t, int sig);
/* Resize the terminal: the screen model first, then TIOCSWINSZ on the pty, which makes the
 * kernel send SIGWINCH to the program. false if the ioctl fails. */
bool term_resize(struct term *t, int rows, int cols);

/* Print the screen inside a frame with row numbers, the size and the cursor, for diagnosing
 * a failed test. Only the screen is printed: never the raw bytes, argv or environment. */
void term_dump(struct term *t, FILE *out);

#endif
