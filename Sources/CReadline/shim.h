#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

/* Accessors for readline's global variables, which Swift cannot read or write directly. */

static inline void echox_rl_set_catch_signals(int value) { rl_catch_signals = value; }
static inline const char *echox_rl_line_buffer(void) { return rl_line_buffer; }
static inline int echox_rl_point(void) { return rl_point; }
static inline void echox_rl_set_point(int value) { rl_point = value; }
static inline int echox_history_length(void) { return history_length; }
static inline void echox_rl_set_readline_name(void) { rl_readline_name = "echox"; }
static inline void echox_rl_set_attempted_completion_function(rl_completion_func_t *function) {
    rl_attempted_completion_function = function;
}
static inline void echox_rl_set_attempted_completion_over(int value) { rl_attempted_completion_over = value; }
static inline void echox_rl_set_completion_suppress_append(int value) { rl_completion_suppress_append = value; }
/* Words are separated by blanks only, so paths and `key=value` complete as one word. */
static inline void echox_rl_use_blank_word_breaks(void) { rl_completer_word_break_characters = " \t\n"; }
