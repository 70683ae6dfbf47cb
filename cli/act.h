/* act.h: the posting commands of the deliberation model (cli/act.c), the
 * parts `wiec sign` shares (cli/sign.c), and the local model checks they
 * ask before posting (cli/actmodel.c). CLI-internal. */
#ifndef WIEC_CLI_ACT_H
#define WIEC_CLI_ACT_H

#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"
#include "proto/event.h"
#include "model/roster.h"
#include "proto/kind.h"
#include "store/store.h"

#define ACT_K_PROCESS WIEC__BODY__CONTENT_PROCESS
#define ACT_K_PHASE WIEC__BODY__CONTENT_PHASE
#define ACT_K_MEMBER WIEC__BODY__CONTENT_MEMBER

#define ACT_ROLE_MAX 64		/* keys per role list of a process */
#define ACT_PHASES_MAX 16
#define ACT_UNITS_MAX 256
#define ACT_ATTRS_MAX 16
#define ACT_CHOICES_MAX ACT_UNITS_MAX	/* options of a poll, choices of a ballot, here */
#define ACT_KEPT_MAX (4 * ACT_ROLE_MAX + 8 + 3 * ACT_CHOICES_MAX)

/* Option ids; ACT_OPT(id) is its bit in an act's allowed set. */
enum {
	O_DIR, O_KEY, O_TITLE, O_BODY, O_KIND, O_OWNER, O_QUORUM, O_PHASE, O_UNIT,
	O_REVIEWER, O_MODERATOR, O_REGISTRAR, O_CENSUS, O_ELIGIBILITY, O_PROCESS,
	O_CATEGORY, O_LOCATION, O_COST, O_REASON, O_FEASIBILITY, O_WITHDRAW, O_MERGE,
	O_SUBJECT, O_ATTR, O_ON, O_EDIT, O_JSON, O_OUT, O_NETWORK, O_GENESIS,
	/* polls and ballots (cli/vote.c) */
	O_POLL, O_OPTION, O_MIN, O_MAX, O_POINTS, O_RULE, O_QUESTION, O_MIN_SCORE, O_EXCLUSIVE,
	O_THRESHOLD, O_DECISION, O_MAJORITY, O_WEIGHT_MAJORITY, O_WEIGHT, O_BALLOT,
	O_NO_COST_LIMIT, O_DECIMALS,
};
#define ACT_OPT(id) (1ull << (id))

typedef struct act_list {
	char *v[ACT_UNITS_MAX];
	size_t n;
} act_list_t;

/* Parsed options; strings borrowed from argv. */
typedef struct act_opts {
	const char *dir, *key, *title, *body, *kind, *quorum, *census, *process, *category,
	    *location, *cost, *reason, *feasibility, *subject, *on, *edit, *out, *network,
	    *genesis, *unit_name;
	const char *poll, *min, *max, *points, *rule, *question, *min_score, *threshold,
	    *decision, *majority, *weight_majority, *ballot, *decimals;
	int json, eligibility, withdraw, merge, no_cost_limit;
	uint64_t given;		/* ACT_OPT bits of the options given */
	act_list_t owners, reviewers, moderators, registrars, phases, units, attrs;
	act_list_t options, exclusive, weights;
	char **args;		/* positional arguments */
	int nargs;
} act_opts_t;

struct act_model;

/* One command's state: the options, the store (read-only; NULL offline),
 * the signer, and the body being built with room for every part. */
typedef struct act_ctx {
	const char *cmd;
	act_opts_t o;
	store_t *s;
	struct act_model *m;		/* the model's view of s, opened on demand */
	uint8_t self[KEY_PK_BYTES];	/* the signing identity */
	Wiec__Body body;
	union {
		Wiec__Process process;
		Wiec__PhaseChange phase;
		Wiec__Idea idea;
		Wiec__Status status;
		Wiec__Evaluation eval;
		Wiec__Support support;
		Wiec__Link link;
		Wiec__Report report;
		Wiec__Moderation moderation;
		Wiec__Appeal appeal;
		Wiec__Credential credential;
		Wiec__Approve approve;
		Wiec__Comment comment;
		Wiec__Poll poll;
		Wiec__Vote vote;
	} u;
	/* polls and ballots */
	ProtobufCBinaryData opts[ACT_CHOICES_MAX], excl_ids[ACT_CHOICES_MAX];
	Wiec__Exclusion excl[ACT_CHOICES_MAX], *excl_ptrs[ACT_CHOICES_MAX];
	Wiec__Choice choice[ACT_CHOICES_MAX], *choice_ptrs[ACT_CHOICES_MAX];
	Wiec__Weight weight[ACT_ROLE_MAX], *weight_ptrs[ACT_ROLE_MAX];
	Wiec__Fraction frac[5];
	char unit_buf[EV_LABEL_MAX + 1];
	Wiec__Location loc;
	ProtobufCBinaryData bins[4][ACT_ROLE_MAX];
	Wiec__PhasePlan phase[ACT_PHASES_MAX], *phase_ptrs[ACT_PHASES_MAX];
	Wiec__Unit unit[ACT_UNITS_MAX], *unit_ptrs[ACT_UNITS_MAX];
	Wiec__Attribute attr[ACT_ATTRS_MAX], *attr_ptrs[ACT_ATTRS_MAX];
	uint8_t kept[ACT_KEPT_MAX][HASH_BYTES];	/* keys and ids the body points at */
	size_t nkept;
	ev_t held_evs[2];		/* events the body's strings point into */
	size_t nheld;
	uint8_t after[HASH_BYTES];	/* the slot's current event, when set */
	char err[CLI_ERR_MAX];		/* act_strerror's line */
} act_ctx_t;

/* cli_strerror for c's store: a damage it found named (in c->err). */
static inline const char *act_strerror(act_ctx_t *c, int rc)
{
	return cli_strerror(c->s, rc, c->err, sizeof c->err);
}

typedef struct act {
	const char *name;
	int nargs;		/* positional arguments; -1: any number */
	uint64_t allowed;	/* ACT_OPT bits */
	int (*build)(act_ctx_t *c);
	const char *args;	/* their names, for messages */
} act_t;

/* The long name of option id ("title"). */
const char *act_opt_name(int id);

/* Parses argv for cmd, accepting only the allowed options. 0, -1 after
 * --help (usage printed), or the exit status of a printed error. */
int act_parse(const char *cmd, int argc, char **argv, uint64_t allowed, act_opts_t *o);

/* The posting act name ("idea status"), or with sign the resident's act
 * `wiec sign` builds ("idea", "comment", "support", "report", "appeal");
 * NULL if none. */
const act_t *act_find(const char *name, int sign);

/* Checks the positional count and builds c->body. 0 or a printed error's
 * exit status. */
int act_build(act_ctx_t *c, const act_t *a);

/* The signer's public key from --key FILE (or DIR/identity.key) into
 * c->self. 0 or a printed error's status. */
int act_signer(act_ctx_t *c, const char *dir);

/* Releases what the context holds (not c itself). */
void act_ctx_free(act_ctx_t *c);

/* The held, decoded event id (caller ev_frees), or a printed error. */
int act_get(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES], ev_t *ev);

/* Shared with cli/vote.c: an event id or a key from text into id, and a
 * 32-byte value copied into the context for the body to point at. 0 or a
 * printed error's status. */
int act_parse_id(act_ctx_t *c, const char *what, const char *v, uint8_t id[static HASH_BYTES]);
/* act_parse_id for a field the event rules make an optional id (process,
 * edit, census; spec/events.md section 3): 32 zero bytes name nothing
 * there, a bad argument (exit 2) like any malformed id. */
int act_parse_opt_id(act_ctx_t *c, const char *what, const char *v,
    uint8_t id[static HASH_BYTES]);
int act_parse_key(act_ctx_t *c, const char *what, const char *v,
    uint8_t pk[static KEY_PK_BYTES]);
int act_keep(act_ctx_t *c, ProtobufCBinaryData *b, const uint8_t v[static HASH_BYTES]);

/* ---- polls and ballots (cli/vote.c) ---- */
int act_build_poll(act_ctx_t *c);
int act_build_vote(act_ctx_t *c);
/* `wiec submit`: a ballot the local model says would not count is refused
 * with its reason (EXIT_FAIL, printed); 0 for other kinds, for a valid
 * ballot, and for a ballot whose poll is not held yet. */
int act_submit_check(const char *cmd, store_t *s, const ev_t *ev);

/* Names for printing. */
const char *act_status_name(int s);
const char *act_process_kind_name(int k);

/* ---- local model checks (cli/actmodel.c) ----
 * Each runs only with a store (c->s), asks the model whether the act would
 * count, refuses with one line when it would not (EXIT_FAIL: a refusal
 * that depends on state), and sets the body's `after` where the act
 * continues a multi-author slot. 0 when the act may be posted (also
 * offline), else the printed error's status. */
int act_check_process(act_ctx_t *c);
int act_check_phase(act_ctx_t *c, const uint8_t process[static HASH_BYTES]);
int act_check_idea(act_ctx_t *c, const uint8_t *process);
int act_check_status(act_ctx_t *c, const uint8_t idea[static HASH_BYTES]);
int act_check_evaluation(act_ctx_t *c, const uint8_t idea[static HASH_BYTES]);
int act_check_support(act_ctx_t *c, const uint8_t idea[static HASH_BYTES]);
int act_check_link(act_ctx_t *c, const uint8_t a[static HASH_BYTES],
    const uint8_t b[static HASH_BYTES]);
/* Whether key is a current member organisation's identity key (old keys of
 * a rotation too): 1 with its name in name, 0, or a negative wiec_err_t. */
int act_member_name(store_t *s, const uint8_t key[static KEY_PK_BYTES],
    char name[static ROSTER_NAME_MAX + 1]);

/* `wiec submit`: an event of a current member that branches the member's
 * chain as held here (a second root, or another event at a seq held) is
 * refused (EXIT_FAIL, printed): taken, it would make the member equivocate
 * for good (spec/events.md section 5). 0 otherwise (a replay of the chain
 * in any order included). */
int act_submit_member_check(const char *cmd, store_t *s, const ev_t *ev);

/* The target of a comment (answer set), report, moderation or appeal is in
 * a thread the model shows (spec/model.md section 7): its chain of answers
 * reaches an idea held here within MODEL_THREAD_DEPTH levels, and an answer
 * needs a level left below it. */
int act_check_thread(act_ctx_t *c, const uint8_t target[static HASH_BYTES], int answer);
int act_check_moderation(act_ctx_t *c, const uint8_t target[static HASH_BYTES]);
int act_check_credential(act_ctx_t *c, const uint8_t *process,
    const uint8_t scope[static HASH_BYTES]);
int act_check_approve(act_ctx_t *c, const uint8_t target[static HASH_BYTES]);
/* The latest version of the original idea orig (held: *orig_ev), into
 * *latest (caller ev_frees); the original itself when it has none. */
int act_latest_version(act_ctx_t *c, const uint8_t orig[static HASH_BYTES],
    const ev_t *orig_ev, ev_t *latest);
/* Closes the model view of c->s, if open. */
void act_model_close(act_ctx_t *c);

#endif
