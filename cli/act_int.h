/* act_int.h: what cli/act.c (options, the table, the posting command) and
 * the builders it lists (cli/actidea.c, cli/actprocess.c, cli/actmod.c)
 * share. Internal to cli/act*.c. Every function returns 0 or the exit
 * status of the one line it printed. */
#ifndef WIEC_CLI_ACT_INT_H
#define WIEC_CLI_ACT_INT_H

#include "cli/act.h"

/* v (option --opt) is required and must be min..max bytes of UTF-8 text,
 * on one line unless multiline. */
int act_need_text(act_ctx_t *c, const char *opt, const char *v, size_t min, size_t max,
    int multiline);

/* Loads id when a store is open and checks its kind is one of k1/k2 (0:
 * none) into *ev (caller ev_frees when *held). *held says whether it was
 * looked at (offline: never). */
int act_expect(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES], int k1,
    int k2, ev_t *ev, int *held);

/* act_expect of an idea that must be an original, not a version. */
int act_expect_idea(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES],
    ev_t *ev, int *held);

/* An idea or a comment as the target of a comment, report, moderation or
 * appeal; an idea by its first id, not a version (as act_expect_idea). */
int act_expect_content(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES],
    ev_t *ev, int *held);
/* act_expect and act_expect_idea for a target only checked, not used. */
int act_need(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES], int k1,
    int k2);
int act_need_idea(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES]);

/* The builders of the table's rows: each fills c->body from c->o. */
int act_build_idea(act_ctx_t *c);		/* actidea.c */
int act_build_idea_edit(act_ctx_t *c);
int act_build_sign_idea(act_ctx_t *c);		/* `wiec sign idea`: add or --edit */
int act_build_status(act_ctx_t *c);
int act_build_evaluate(act_ctx_t *c);
int act_build_support(act_ctx_t *c);
int act_build_link(act_ctx_t *c);
int act_build_comment(act_ctx_t *c);
int act_build_process(act_ctx_t *c);		/* actprocess.c */
int act_build_phase(act_ctx_t *c);
int act_build_issue(act_ctx_t *c);
int act_build_revoke(act_ctx_t *c);
int act_build_approve(act_ctx_t *c);
int act_build_report(act_ctx_t *c);		/* actmod.c */
int act_build_hide(act_ctx_t *c);
int act_build_restore(act_ctx_t *c);
int act_build_appeal(act_ctx_t *c);

#endif
