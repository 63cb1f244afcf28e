/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TUI layer: key bindings (keys.h). A binding in the config wins; the F-key and Control
 * defaults always work too, for terminals that send neither. */
#include "config.h"
#include "tui/keys.h"

#include <curses.h>

bool keys_is_ctrl(const struct loop_key *k, char letter)
{
    return !k->is_code && !k->is_meta && k->ch == (wint_t)(letter & 0x1f);
}

bool keys_is_fkey(const struct loop_key *k, int n)
{
    return k->is_code && k->ch == (wint_t)KEY_F(n);
}

bool keys_is_action(const struct settings *s, const struct loop_key *k, const char *action,
                    int fkey, char ctrl)
{
    const struct settings_binding *b = settings_binding_for(s, action);

    if (b) {
        switch (b->spec.kind) {
        case KEYSPEC_FKEY:
            if (keys_is_fkey(k, b->spec.value))
                return true;
            break;
        case KEYSPEC_CTRL:
            if (keys_is_ctrl(k, (char)b->spec.value))
                return true;
            break;
        case KEYSPEC_META:
            if (!k->is_code && k->is_meta && k->ch == (wint_t)b->spec.value)
                return true;
            break;
        }
    }
    return (fkey && keys_is_fkey(k, fkey)) || (ctrl && keys_is_ctrl(k, ctrl));
}

/* r (or y, Enter) resumes the abandoned draft, d discards it, l (n, Esc) keeps it. */
static char resume_answer(const struct loop_key *k)
{
    if (k->is_code)
        return k->ch == KEY_ENTER ? 'r' : 0;
    if (k->is_meta)
        return 0;
    switch (k->ch) {
    case 'r':
    case 'R':
    case 'y':
    case 'Y':
    case '\r':
    case '\n':
        return 'r';
    case 'd':
    case 'D':
        return 'd';
    case 27:
    case 'l':
    case 'L':
    case 'n':
    case 'N':
        return 'l';
    default:
        return 0;
    }
}

/* k (Enter, y, a second quit key) keeps the draft and quits, d discards it and quits, c (n,
 * Esc) cancels: the safe answer is the one a reflex gives. */
static char quit_keep_answer(const struct settings *s, const struct loop_key *k)
{
    if (keys_is_action(s, k, "quit", 12, 'q'))
        return 'k';
    if (k->is_code)
        return k->ch == KEY_ENTER ? 'k' : 0;
    if (k->is_meta)
        return 0;
    switch (k->ch) {
    case 'k':
    case 'K':
    case 'y':
    case 'Y':
    case '\r':
    case '\n':
        return 'k';
    case 'd':
    case 'D':
        return 'd';
    case 27:
    case 'c':
    case 'C':
    case 'n':
    case 'N':
        return 'c';
    default:
        return 0;
    }
}

char keys_answer(const struct settings *s, enum ask_kind ask, const struct loop_key *k)
{
    bool is_plain = !k->is_code && !k->is_meta;

    if (ask == ASK_RESUME)
        return resume_answer(k);
    if (ask == ASK_QUIT_KEEP)
        return quit_keep_answer(s, k);
    if (is_plain && (k->ch == 'y' || k->ch == 'Y'))
        return 'y';
    if (ask == ASK_LOG_AGAIN)
        return 'n'; /* [y/N]: every other key (Enter, a second F10) is no */
    if (is_plain && (k->ch == 'n' || k->ch == 'N' || k->ch == 27))
        return 'n';
    if (ask == ASK_QUIT && keys_is_action(s, k, "quit", 12, 'q'))
        return 'y';
    return 0;
}
