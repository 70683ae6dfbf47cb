/* close.c: `wiec close` (an owner starts closing a vote) and `wiec result`
 * (the certificate, checked): spec/close.md, spec/tally.md section 6. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/act.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "crypto/err.h"
#include "model/ballot.h"
#include "model/closeev.h"
#include "model/slot.h"

/* The held certificate of a process, checked. */
typedef struct ccert {
	store_view_t *sv;
	model_view_t v;
	roster_t r;
	int rloaded;
	closeev_log_t log;
	uint8_t members[ROSTER_MAX][KEY_PK_BYTES];
	const close_stmt_t **ptr;
	close_report_t *rep;
	close_cert_t cert;
	closeev_ctx_t ctx;
	int check;		/* close_cert_check's answer */
} ccert_t;

static void ccert_end(ccert_t *k)
{
	closeev_ctx_free(&k->ctx);
	free(k->cert.promises);
	free(k->cert.cosigns);
	free(k->ptr);
	free(k->rep);
	closeev_log_free(&k->log);
	if (k->rloaded)
		roster_free(&k->r);
	store_view_end(&k->sv);
	memset(k, 0, sizeof *k);
}

/* Opens a view of s and finds process's certificate. 0 with k->rep->certified
 * telling whether there is one (then k->cert and k->check are set), or a
 * wiec_err_t. ccert_end in every case. */

/* Loads the roster at state head (NULL: the current one), the process's
 * statements under it, and audits them into k->rep. */
static int audit_under(ccert_t *k, const uint8_t process[static HASH_BYTES],
    const uint8_t *head, close_env_t *env)
{
	int rc;

	if (k->rloaded)
		roster_free(&k->r);
	k->rloaded = 0;
	closeev_log_free(&k->log);
	free(k->ptr);
	k->ptr = NULL;
	if ((rc = roster_load_at(&k->v, head, &k->r)) != 0)
		return rc;
	k->rloaded = 1;
	closeev_members(&k->r, k->members);
	if ((rc = closeev_load(&k->v, &k->r, process, &k->log)) != 0)
		return rc;
	if ((k->rep == NULL && (k->rep = calloc(1, sizeof *k->rep)) == NULL) ||
	    (k->ptr = calloc(k->log.n ? k->log.n : 1, sizeof *k->ptr)) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < k->log.n; i++)
		k->ptr[i] = &k->log.st[i];
	return close_log_audit(k->ptr, k->log.n, process, k->r.head,
	    (const uint8_t (*)[KEY_PK_BYTES])k->members, k->r.n, k->r.quorum, env, k->rep);
}

static int cli_close_cert(store_t *s, const uint8_t process[static HASH_BYTES], ccert_t *k)
{
	close_env_t env;
	const close_stmt_t *p = NULL;
	uint8_t earlier[HASH_BYTES];
	int rc;

	memset(k, 0, sizeof *k);
	if ((rc = store_view_begin(s, &k->sv, &k->v)) != 0)
		return rc;
	memcpy(k->ctx.process, process, HASH_BYTES);
	k->ctx.v = &k->v;
	closeev_env(&env, &k->ctx);
	if ((rc = audit_under(k, process, NULL, &env)) != 0)
		return rc;
	/* A certificate under the roster of its time stands after a member
	 * change (spec/close.md section 9): found, shown, and no new close. */
	if (!k->rep->certified) {
		if ((rc = closeev_certified_earlier(&k->v, process, &k->log, k->r.head,
		    earlier)) < 0)
			return rc;
		if (rc == 1 && (rc = audit_under(k, process, earlier, &env)) != 0)
			return rc;
	}
	if (!k->rep->certified)
		return 0;
	for (size_t i = 0; i < k->log.n; i++)
		if (memcmp(k->log.st[i].id, k->rep->proposal, HASH_BYTES) == 0)
			p = &k->log.st[i];
	if (p == NULL)
		return WIEC_ERR_NOTFOUND;
	k->cert.proposal = p;
	k->cert.promises = calloc(p->npromises ? p->npromises : 1, sizeof *k->cert.promises);
	k->cert.cosigns = calloc(k->r.n ? k->r.n : 1, sizeof *k->cert.cosigns);
	if (k->cert.promises == NULL || k->cert.cosigns == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t j = 0; j < p->npromises; j++)
		for (size_t i = 0; i < k->log.n; i++)
			if (memcmp(k->log.st[i].id, p->promises + j * HASH_BYTES, HASH_BYTES) == 0)
				k->cert.promises[k->cert.npromises++] = &k->log.st[i];
	for (size_t i = 0; i < k->log.n; i++) {
		const close_stmt_t *c = &k->log.st[i];
		size_t j;

		if (c->kind != CLOSE_COSIGN || c->round.counter != p->round.counter ||
		    memcmp(c->round.proposer, p->round.proposer, KEY_PK_BYTES) != 0 ||
		    !close_value_eq(&c->value, &p->value) ||
		    memcmp(c->proposal, p->id, HASH_BYTES) != 0)
			continue;
		for (j = 0; j < k->cert.ncosigns; j++)
			if (memcmp(k->cert.cosigns[j]->author, c->author, KEY_PK_BYTES) == 0)
				break;
		if (j == k->cert.ncosigns && k->cert.ncosigns < k->r.n)
			k->cert.cosigns[k->cert.ncosigns++] = c;
	}
	k->check = close_cert_check(&k->cert, process, k->r.head,
	    (const uint8_t (*)[KEY_PK_BYTES])k->members, k->r.n, k->r.quorum, &env);
	if (k->check < 0)
		return k->check;
	return 0;
}

int cli_close_frontier(store_t *s, const uint8_t process[static HASH_BYTES], uint8_t **ids,
    size_t *n)
{
	ccert_t k;
	int rc = cli_close_cert(s, process, &k);

	*ids = NULL;
	*n = 0;
	if (rc == 0 && k.rep->certified && k.check == 0) {
		const close_stmt_t *p = k.cert.proposal;

		*n = p->value.count;
		if ((*ids = malloc(*n ? *n * HASH_BYTES : 1)) == NULL)
			rc = WIEC_ERR_NOMEM;
		else {
			if (*n)
				memcpy(*ids, p->frontier, *n * HASH_BYTES);
			rc = 1;
		}
	}
	ccert_end(&k);
	return rc;
}

int close_main(int argc, char **argv)
{
	const char *cmd = "close";
	act_ctx_t *c;
	uint8_t process[HASH_BYTES], *seal = NULL;
	size_t nseal = 0;
	close_stmt_t st;
	closeev_msg_t msg;
	ccert_t k;
	cfg_t cfg;
	int rc, own, member = 0;

	memset(&st, 0, sizeof st);
	memset(&k, 0, sizeof k);
	if ((c = calloc(1, sizeof *c)) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "out of memory");
	c->cmd = cmd;
	if ((rc = act_parse(cmd, argc, argv, ACT_OPT(O_DIR) | ACT_OPT(O_JSON) | ACT_OPT(O_KEY) |
	    ACT_OPT(O_PROCESS), &c->o)) != 0) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto out;
	}
	if (c->o.nargs != 0 || c->o.process == NULL) {
		rc = cli_fail(EXIT_USAGE, cmd, "usage: wiec close [-d DIR] --process P [--key FILE] "
		    "[--json]");
		goto out;
	}
	if ((rc = act_parse_id(c, "--process", c->o.process, process)) != 0 ||
	    (rc = act_signer(c, cli_dir(c->o.dir))) != 0)
		goto out;
	if ((rc = cli_open_post(cmd, cli_dir(c->o.dir), &cfg, &c->s)) != EXIT_OK)
		goto out;
	if ((rc = cli_close_cert(c->s, process, &k)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s", act_strerror(c, rc));
		goto out;
	}
	if ((own = closeev_is_owner(&k.v, &k.r, process, c->self)) < 0) {
		rc = cli_fail(cli_status(own), cmd, "%s", act_strerror(c, own));
		goto out;
	}
	for (size_t i = 0; i < k.r.n; i++)
		member |= memcmp(k.r.members[i].key, c->self, KEY_PK_BYTES) == 0;
	if (!own || !member) {
		rc = cli_fail(EXIT_FAIL, cmd, "only an owner of the process who is a current member "
		    "may close it (not_owner)");
		goto out;
	}
	if (k.rep->certified) {
		rc = cli_fail(EXIT_FAIL, cmd, "the process is already closed: see 'wiec result'");
		goto out;
	}
	if ((rc = model_tally_seal(&k.v, process, &seal, &nseal)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s", act_strerror(c, rc));
		goto out;
	}
	st.kind = CLOSE_CLOSE;
	memcpy(st.process, process, HASH_BYTES);
	memcpy(st.roster, k.r.head, HASH_BYTES);
	st.seal = seal;
	st.nseal = nseal;
	seal = NULL;
	ccert_end(&k);
	store_close(&c->s);	/* cli_post opens the store itself */
	wiec__body__init(&c->body);
	if ((rc = closeev_to_body(&st, NULL, &c->body, &msg)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s", act_strerror(c, rc));
		goto out;
	}
	rc = cli_post(cmd, c->o.dir, c->o.key, c->o.json, &c->body);
out:
	free(seal);
	close_stmt_free(&st);
	ccert_end(&k);
	act_ctx_free(c);
	free(c);
	return rc;
}

static void json_round(json_t *j, const close_round_t *r)
{
	json_key(j, "round");
	json_obj(j);
	json_ku64(j, "counter", r->counter);
	json_khex(j, "proposer", r->proposer, KEY_PK_BYTES);
	json_end(j);
}

/* The winners (budget) or the per-poll result of the frontier. */
static int print_result(json_t *j, ccert_t *k, const uint8_t process[static HASH_BYTES],
    const close_stmt_t *p, int json)
{
	model_ids_t ids = { 0 };
	int budget = 0, rc;
	char why[256], hex[HASH_HEX_BYTES];
	static const uint8_t none[1];
	const uint8_t *f = p->frontier ? p->frontier : none;

	if ((rc = ballot_poll_list(&k->v, process, &ids)) != 0)
		return rc;
	for (int pass = 0; pass < 2; pass++) {
		if (json && pass == 0) {
			/* budget processes: "winners"; others: "result" */
			for (size_t i = 0; i < ids.n; i++) {
				ballot_poll_t poll;

				if (ballot_poll_load_in(&k->v, &k->r, ids.id[i], f, p->value.count,
				    &poll) == 0 &&
				    poll.why == BALLOT_OK && poll.p->kind == WIEC__POLL_KIND__POLL_BUDGET)
					budget = 1;
				ballot_poll_free(&poll);
			}
			json_key(j, budget ? "winners" : "result");
			if (budget)
				json_arr(j);
			else {
				json_obj(j);
				json_khex(j, "hash", p->value.result, HASH_BYTES);
				json_key(j, "polls");
				json_arr(j);
			}
		}
		if (pass == 1)
			break;
		for (size_t i = 0; i < ids.n; i++) {
			ballot_poll_t poll;
			ballot_tally_t t;

			memset(&poll, 0, sizeof poll);
			memset(&t, 0, sizeof t);
			if (ballot_poll_load_in(&k->v, &k->r, ids.id[i], f, p->value.count,
			    &poll) != 0 ||
			    poll.why != BALLOT_OK) {
				ballot_poll_free(&poll);
				continue;
			}
			rc = ballot_tally(&k->v, &k->r, &poll, f, p->value.count, -1, &t, why,
			    sizeof why);
			if (rc != 0) {
				ballot_tally_free(&t);
				ballot_poll_free(&poll);
				model_ids_free(&ids);
				return rc;
			}
			if (!json) {
				hash_hex(hex, ids.id[i], HASH_BYTES);
				printf("poll %s: %zu counted ballots\n", hex, t.counted);
				if (poll.p->kind == WIEC__POLL_KIND__POLL_YESNO)
					printf("  yes %" PRIu64 ", no %" PRIu64 ", abstain %" PRIu64
					    ": %s\n", t.yes, t.no, t.abstain,
					    t.passed ? "carried" : "not carried");
			} else if (!budget) {
				json_obj(j);
				json_khex(j, "poll", ids.id[i], HASH_BYTES);
				json_ku64(j, "counted", t.counted);
				if (poll.p->kind == WIEC__POLL_KIND__POLL_YESNO) {
					json_ku64(j, "yes", t.yes);
					json_ku64(j, "no", t.no);
					json_ku64(j, "abstain", t.abstain);
					json_kbool(j, "passed", t.passed);
				}
				json_key(j, "winners");
				json_arr(j);
			}
			for (size_t u = 0; u < t.nunit; u++)
				for (size_t w = 0; w < t.unit[u].nwin; w++) {
					const ballot_option_t *o =
					    &poll.opt[t.unit[u].opt[t.unit[u].win[w]]];

					if (json) {
						json_hex(j, o->id, HASH_BYTES);
					} else {
						hash_hex(hex, o->id, HASH_BYTES);
						printf("  winner %s ", hex);
						ev_fput_text(stdout, o->title, strlen(o->title));
						putchar('\n');
					}
				}
			if (json && !budget) {
				json_end(j);
				json_end(j);
			}
			ballot_tally_free(&t);
			ballot_poll_free(&poll);
		}
	}
	if (json) {
		json_end(j);
		if (!budget)
			json_end(j);
	}
	model_ids_free(&ids);
	return 0;
}

int result_main(int argc, char **argv)
{
	const char *cmd = "result";
	act_ctx_t *c;
	uint8_t process[HASH_BYTES];
	char hex[HASH_HEX_BYTES];
	ccert_t k;
	cfg_t cfg;
	int rc;

	memset(&k, 0, sizeof k);
	if ((c = calloc(1, sizeof *c)) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "out of memory");
	c->cmd = cmd;
	if ((rc = act_parse(cmd, argc, argv, ACT_OPT(O_DIR) | ACT_OPT(O_JSON) |
	    ACT_OPT(O_PROCESS), &c->o)) != 0) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto out;
	}
	if (c->o.nargs != 0 || c->o.process == NULL) {
		rc = cli_fail(EXIT_USAGE, cmd, "usage: wiec result [-d DIR] --process P [--json]");
		goto out;
	}
	if ((rc = act_parse_id(c, "--process", c->o.process, process)) != 0)
		goto out;
	if ((rc = cli_open_post(cmd, cli_dir(c->o.dir), &cfg, &c->s)) != EXIT_OK)
		goto out;
	if ((rc = cli_close_cert(c->s, process, &k)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s", act_strerror(c, rc));
		goto out;
	}
	hash_hex(hex, process, HASH_BYTES);
	if (!k.rep->certified) {
		rc = cli_fail(EXIT_FAIL, cmd, "no certificate yet for process %s", hex);
		goto out;
	}
	if (k.check != 0) {
		rc = cli_fail(EXIT_INVALID, cmd, "the certificate of process %s does not check: %s",
		    hex, close_reason('B', k.check));
		goto out;
	}
	if (k.rep->split || k.rep->nbad > 0 || !k.rep->cert_valid)
		fprintf(stderr, "wiec result: warning: %s%s%s\n", k.rep->split ?
		    "a second certificate with another value exists; " : "", k.rep->nbad ?
		    "a member's statements break the rules; " : "", !k.rep->cert_valid ?
		    "the proposal is not valid by the full rules" : "");
	if (c->o.json) {
		const close_stmt_t *p = k.cert.proposal;
		json_t j;

		json_init(&j, stdout);
		json_obj(&j);
		json_khex(&j, "process", process, HASH_BYTES);
		json_khex(&j, "roster", k.r.head, HASH_BYTES);
		json_round(&j, &p->round);
		json_khex(&j, "proposal", p->id, HASH_BYTES);
		json_khex(&j, "root", p->value.root, HASH_BYTES);
		json_ku64(&j, "count", p->value.count);
		json_khex(&j, "result_hash", p->value.result, HASH_BYTES);
		json_key(&j, "frontier");
		json_arr(&j);
		for (size_t i = 0; i < p->value.count; i++)
			json_hex(&j, p->frontier + i * HASH_BYTES, HASH_BYTES);
		json_end(&j);
		if ((rc = print_result(&j, &k, process, p, 1)) != 0) {
			rc = cli_fail(cli_status(rc), cmd, "%s", act_strerror(c, rc));
			goto out;
		}
		json_key(&j, "signatures");
		json_arr(&j);
		for (size_t i = 0; i < k.cert.ncosigns; i++) {
			json_obj(&j);
			json_khex(&j, "member", k.cert.cosigns[i]->author, KEY_PK_BYTES);
			json_khex(&j, "cosign", k.cert.cosigns[i]->id, HASH_BYTES);
			json_end(&j);
		}
		json_end(&j);
		json_ku64(&j, "quorum", k.r.quorum);
		json_kbool(&j, "valid", k.rep->cert_valid && !k.rep->split && k.rep->nbad == 0);
		json_end(&j);

	} else {
		const close_stmt_t *p = k.cert.proposal;
		char h2[HASH_HEX_BYTES];

		printf("process %s: certified in round %" PRIu64 " by %zu of %zu members "
		    "(quorum %" PRIu32 ")\n", hex, p->round.counter, k.cert.ncosigns, k.r.n,
		    k.r.quorum);
		hash_hex(h2, p->value.root, HASH_BYTES);
		printf("frontier: %" PRIu64 " counted events, root %s\n", p->value.count, h2);
		hash_hex(h2, p->value.result, HASH_BYTES);
		printf("result hash %s\n", h2);
		if ((rc = print_result(NULL, &k, process, p, 0)) != 0) {
			rc = cli_fail(cli_status(rc), cmd, "%s", act_strerror(c, rc));
			goto out;
		}
		for (size_t i = 0; i < k.cert.ncosigns; i++) {
			char kh[KEY_TEXT_BYTES];

			key_to_text(kh, k.cert.cosigns[i]->author);
			hash_hex(h2, k.cert.cosigns[i]->id, HASH_BYTES);
			printf("signed by %s (cosign %s)\n", kh, h2);
		}
	}
	rc = EXIT_OK;
out:
	ccert_end(&k);
	act_ctx_free(c);
	free(c);
	return rc;
}
