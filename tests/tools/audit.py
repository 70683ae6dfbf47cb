#!/usr/bin/python3
"""Independent verifier and recounter of a wiec export file, written from the
spec alone (spec/events.md, tally.md, close.md, members.md, model.md).

usage: audit.py EXPORT [--json] [--process P]

Checks the framing (events.md 9), decodes every record by hand with the
canonical-form rules (1.1-1.3), verifies signatures (PyNaCl if present),
recomputes ids, the held set (4), exclusions (5), the digest (7), the roster
(members.md 3), and, for every process with polls, the live tally, the result
bytes and hash (tally.md 4), and every certificate (close.md 6-7).
Tallies cover every poll kind and rule: yes/no of residents (quorum over E,
threshold) and co-decision (simple, qualified, double with weights), approval,
choose-one, cumulative, ranked (approval, plurality, borda, points), budget
polls per unit (greedy family, equal shares with add1 and add1-comparison in
exact rationals, ranked and cumulative ballots, decimals); frontiers and seals
given by parts (IdPart, close.md 3) are resolved.
Standard library only, plus PyNaCl for Ed25519 when installed (Debian's
python3-nacl, which `make deps` installs).

Written from spec/ without reading the C sources, as an outside auditor
would: `make demo` and tests/cli/demo.sh run it on the demo network's
export and compare its digest and certified result with wiec's, so a
change of the code that the spec does not describe (or the reverse) shows.
Exit status 0, or 5 when the file's framing breaks or a record is refused.
"""
import hashlib, struct, sys, json
from fractions import Fraction

try:
    import nacl.signing, nacl.exceptions
    HAVE_NACL = True
except ImportError:
    HAVE_NACL = False


def H(*parts):
    h = hashlib.blake2b(digest_size=32)
    for p in parts:
        h.update(p)
    return h.digest()


def u64be(n):
    return struct.pack('>Q', n)


class Err(Exception):
    def __init__(self, kind, msg=''):
        super().__init__(kind + (': ' + msg if msg else ''))
        self.kind = kind


# ---------------------------------------------------------------- schema
B, S, U64, U32, BOOL, ENUM, SINT32 = 'bytes', 'string', 'uint64', 'uint32', 'bool', 'enum', 'sint32'
# message -> {field: (name, type, repeated)}
SCHEMA = {
    'Envelope': {1: ('body', B, 0), 2: ('sig', B, 0)},
    'Body': {1: ('network', B, 0), 2: ('author', B, 0), 3: ('seq', U64, 0), 4: ('prev', B, 0),
             5: ('timestamp', U64, 0)},
    'Announce': {1: ('name', S, 0), 2: ('role', ENUM, 0)},
    'Idea': {1: ('title', S, 0), 2: ('text', S, 0), 3: ('process', B, 0), 4: ('category', S, 0),
             5: ('location', 'Location', 0), 6: ('cost', U64, 0), 7: ('unit', S, 0), 8: ('edit', B, 0)},
    'Location': {1: ('lat', SINT32, 0), 2: ('lon', SINT32, 0)},
    'Comment': {1: ('target', B, 0), 2: ('text', S, 0)},
    'Process': {1: ('kind', ENUM, 0), 2: ('title', S, 0), 3: ('text', S, 0), 4: ('owners', B, 1),
                5: ('quorum', U32, 0), 6: ('phases', 'PhasePlan', 1), 7: ('units', 'Unit', 1),
                8: ('reviewers', B, 1), 9: ('moderators', B, 1), 10: ('registrars', B, 1),
                11: ('census', B, 0), 12: ('eligibility', BOOL, 0), 13: ('decimals', U32, 0)},
    'PhasePlan': {1: ('name', S, 0), 2: ('start', U64, 0), 3: ('end', U64, 0)},
    'Unit': {1: ('name', S, 0), 2: ('budget', U64, 0)},
    'PhaseChange': {1: ('process', B, 0), 2: ('phase', U32, 0), 3: ('after', B, 0), 4: ('reason', S, 0)},
    'Status': {1: ('idea', B, 0), 2: ('status', ENUM, 0), 3: ('reason', S, 0), 4: ('after', B, 0)},
    'Evaluation': {1: ('idea', B, 0), 2: ('feasibility', ENUM, 0), 3: ('cost', U64, 0), 4: ('reason', S, 0)},
    'Support': {1: ('idea', B, 0), 2: ('withdraw', BOOL, 0)},
    'Link': {1: ('idea', B, 0), 2: ('other', B, 0), 3: ('merge', BOOL, 0), 4: ('reason', S, 0)},
    'Report': {1: ('target', B, 0), 2: ('reason', S, 0)},
    'Moderation': {1: ('target', B, 0), 2: ('hide', BOOL, 0), 3: ('reason', S, 0), 4: ('after', B, 0)},
    'Appeal': {1: ('target', B, 0), 2: ('reason', S, 0)},
    'Credential': {1: ('subject', B, 0), 2: ('scope', B, 0), 3: ('attributes', 'Attribute', 1),
                   4: ('revoke', BOOL, 0)},
    'Attribute': {1: ('name', S, 0), 2: ('value', S, 0)},
    'MemberChange': {1: ('op', ENUM, 0), 2: ('member', 'Founder', 0), 3: ('key', B, 0), 4: ('after', B, 0),
                     5: ('reason', S, 0)},
    'Approve': {1: ('target', B, 0)},
    'Poll': {1: ('process', B, 0), 2: ('kind', ENUM, 0), 3: ('question', S, 0), 4: ('options', B, 1),
             5: ('min', U32, 0), 6: ('max', U32, 0), 7: ('points', U64, 0), 8: ('rule', S, 0),
             9: ('min_score', 'Fraction', 0), 10: ('exclusive', 'Exclusion', 1), 11: ('quorum', 'Fraction', 0),
             12: ('threshold', 'Fraction', 0), 13: ('decision', ENUM, 0), 14: ('majority', 'Fraction', 0),
             15: ('weight_majority', 'Fraction', 0), 16: ('weights', 'Weight', 1),
             17: ('no_cost_limit', BOOL, 0), 18: ('ballot', ENUM, 0)},
    'Fraction': {1: ('num', U64, 0), 2: ('den', U64, 0)},
    'Exclusion': {1: ('projects', B, 1)},
    'Weight': {1: ('member', B, 0), 2: ('weight', U64, 0)},
    'Vote': {1: ('process', B, 0), 2: ('poll', B, 0), 3: ('unit', S, 0), 4: ('choices', 'Choice', 1),
             5: ('answer', ENUM, 0), 6: ('withdraw', BOOL, 0)},
    'Choice': {1: ('project', B, 0), 2: ('points', U64, 0)},
    'Close': {1: ('process', B, 0), 2: ('roster', B, 0), 3: ('seal', B, 0)},
    'Prepare': {1: ('process', B, 0), 2: ('roster', B, 0), 3: ('counter', U64, 0)},
    'Promise': {1: ('process', B, 0), 2: ('roster', B, 0), 3: ('counter', U64, 0), 4: ('proposer', B, 0),
                5: ('seal', B, 0), 6: ('accepted', 'Accepted', 0), 7: ('seal_parts', B, 0)},
    'Proposal': {1: ('process', B, 0), 2: ('roster', B, 0), 3: ('counter', U64, 0), 4: ('value', 'CloseValue', 0),
                 5: ('frontier', B, 0), 6: ('promises', B, 0), 7: ('frontier_parts', B, 0)},
    'Cosign': {1: ('process', B, 0), 2: ('roster', B, 0), 3: ('counter', U64, 0), 4: ('proposer', B, 0),
               5: ('value', 'CloseValue', 0), 6: ('proposal', B, 0)},
    'CloseValue': {1: ('root', B, 0), 2: ('count', U64, 0), 3: ('result', B, 0)},
    'Accepted': {1: ('counter', U64, 0), 2: ('proposer', B, 0), 3: ('value', 'CloseValue', 0)},
    'IdPart': {1: ('process', B, 0), 2: ('level', U32, 0), 3: ('items', B, 0)},
    'Founder': {1: ('key', B, 0), 2: ('name', S, 0), 3: ('role', ENUM, 0), 4: ('transport', B, 0),
                5: ('endpoints', S, 1)},
    'GenesisBody': {1: ('name', S, 0), 2: ('founders', 'Founder', 1), 3: ('quorum', U32, 0), 4: ('timestamp', U64, 0)},
    'Genesis': {1: ('body', B, 0), 2: ('sigs', B, 1)},
}
KINDS = {16: 'announce', 17: 'idea', 18: 'comment', 19: 'process', 20: 'phase', 21: 'status',
         22: 'evaluation', 23: 'support', 24: 'link', 25: 'report', 26: 'moderation', 27: 'appeal',
         28: 'credential', 29: 'member', 30: 'approve', 31: 'vote', 32: 'close', 33: 'prepare',
         34: 'promise', 35: 'proposal', 36: 'cosign', 37: 'poll', 38: 'idpart'}
KIND_MSG = {16: 'Announce', 17: 'Idea', 18: 'Comment', 19: 'Process', 20: 'PhaseChange', 21: 'Status',
            22: 'Evaluation', 23: 'Support', 24: 'Link', 25: 'Report', 26: 'Moderation', 27: 'Appeal',
            28: 'Credential', 29: 'MemberChange', 30: 'Approve', 31: 'Vote', 32: 'Close', 33: 'Prepare',
            34: 'Promise', 35: 'Proposal', 36: 'Cosign', 37: 'Poll', 38: 'IdPart'}
for f in KINDS:
    SCHEMA['Body'][f] = (KINDS[f], KIND_MSG[f], 0)
ONEOF = {'Body': set(KINDS)}
REP_LIMIT = {('Genesis', 2): 64, ('GenesisBody', 2): 64, ('Founder', 5): 8}
WIRE = {U64: 0, U32: 0, BOOL: 0, ENUM: 0, SINT32: 0, B: 2, S: 2}


def read_varint(buf, i, end, maxlen=10):
    v = 0
    start = i
    for k in range(10):
        if i >= end:
            raise Err('decode', 'varint runs past the end')
        b = buf[i]
        i += 1
        if k == 9 and b > 1:
            raise Err('decode', '10th varint byte above 01')
        v |= (b & 0x7f) << (7 * k)
        if not b & 0x80:
            n = i - start
            if n > maxlen:
                raise Err('decode', 'varint too long')
            # minimality: last byte not 00 unless single byte
            nonmin = n > 1 and b == 0
            return v, i, nonmin
    raise Err('decode', 'varint over 10 bytes')


def decode(buf, msg, canonical=True, depth=0):
    """Returns (dict, issues) where issues is a list of ('unknown'|'noncanon', why) found
    after a full decode (decode errors raise at once, depth first)."""
    if depth > 16:
        raise Err('decode', 'nesting')
    schema = SCHEMA[msg]
    out = {}
    issues = []
    seen_order = []
    oneof_seen = None
    i, end = 0, len(buf)
    counts = {}
    while i < end:
        tag, i, nm = read_varint(buf, i, end, 5)
        if nm:
            issues.append(('noncanon', 'tag varint'))
        if tag >= 1 << 32:
            raise Err('decode', 'tag >= 2^32')
        fno, wt = tag >> 3, tag & 7
        if fno < 1:
            raise Err('decode', 'field 0')
        if wt in (3, 4, 6, 7):
            raise Err('decode', 'wire type %d' % wt)
        # read raw value
        if wt == 0:
            val, i, nm = read_varint(buf, i, end)
        elif wt == 1:
            if i + 8 > end:
                raise Err('decode', 'fixed64 past end')
            val = buf[i:i + 8]; i += 8; nm = False
        elif wt == 5:
            if i + 4 > end:
                raise Err('decode', 'fixed32 past end')
            val = buf[i:i + 4]; i += 4; nm = False
        else:
            ln, i, nm = read_varint(buf, i, end, 5)
            if ln > 2 ** 31 - 1:
                raise Err('decode', 'length')
            if i + ln > end:
                raise Err('decode', 'value past end')
            val = buf[i:i + ln]; i += ln
        if fno not in schema:
            issues.append(('unknown', '%s field %d' % (msg, fno)))
            continue
        name, typ, rep = schema[fno]
        want = WIRE.get(typ, 2)
        if wt != want:
            raise Err('decode', '%s.%s wire type %d' % (msg, name, wt))
        if nm:
            issues.append(('noncanon', '%s.%s varint not minimal' % (msg, name)))
        counts[fno] = counts.get(fno, 0) + 1
        lim = REP_LIMIT.get((msg, fno), 1024)
        if rep and counts[fno] > lim:
            raise Err('too_big', '%s.%s count' % (msg, name))
        if not rep and counts[fno] > 1:
            if canonical:
                issues.append(('noncanon', '%s.%s twice' % (msg, name)))
            else:
                raise Err('decode', 'twice')
        if msg in ONEOF and fno in ONEOF[msg]:
            if oneof_seen is not None and oneof_seen != fno:
                if canonical:
                    issues.append(('noncanon', 'two oneof members'))
                else:
                    raise Err('decode', 'two oneof')
            oneof_seen = fno
        # order
        if seen_order and fno < seen_order[-1]:
            issues.append(('noncanon', '%s field order' % msg))
        if seen_order and fno == seen_order[-1] and not rep:
            pass
        elif seen_order and fno in seen_order and fno != seen_order[-1]:
            issues.append(('noncanon', '%s repeated field not consecutive' % msg))
        seen_order.append(fno)
        # convert
        oneof_member = msg in ONEOF and fno in ONEOF[msg]
        if typ in (U64,):
            v = val
            if v == 0 and not rep and not oneof_member:
                issues.append(('noncanon', '%s.%s default written' % (msg, name)))
        elif typ == U32:
            v = val
            if v >= 1 << 32:
                issues.append(('noncanon', '%s.%s uint32 range' % (msg, name)))
            if v == 0 and not rep and not oneof_member:
                issues.append(('noncanon', '%s.%s default written' % (msg, name)))
        elif typ == BOOL:
            v = val
            if v > 1:
                issues.append(('noncanon', 'bool range'))
            if v == 0 and not rep and not oneof_member:
                issues.append(('noncanon', '%s.%s default written' % (msg, name)))
            v = bool(v)
        elif typ == ENUM:
            v = val - (1 << 64) if val >= 1 << 63 else val
            if not (-2 ** 31 <= v < 2 ** 31):
                issues.append(('noncanon', 'enum range'))
            if v == 0 and not rep and not oneof_member:
                issues.append(('noncanon', '%s.%s default written' % (msg, name)))
        elif typ == SINT32:
            if val >= 1 << 32:
                issues.append(('noncanon', 'sint32 range'))
            v = (val >> 1) ^ -(val & 1)
            if val == 0 and not rep and not oneof_member:
                issues.append(('noncanon', 'default written'))
        elif typ == B:
            v = bytes(val)
            if not v and not rep and not oneof_member:
                issues.append(('noncanon', '%s.%s empty bytes written' % (msg, name)))
        elif typ == S:
            raw = bytes(val)
            if b'\x00' in raw:
                if canonical:
                    issues.append(('noncanon', 'NUL in string'))
                else:
                    raise Err('decode', 'NUL in string')
                raw = raw.split(b'\x00')[0]
            v = raw
            if not v and not rep and not oneof_member:
                issues.append(('noncanon', '%s.%s empty string written' % (msg, name)))
        else:
            v, sub = decode(bytes(val), typ, canonical, depth + 1)
            issues.extend(sub)
        if rep:
            out.setdefault(name, []).append(v)
        else:
            out[name] = v
    return out, issues


def decode_strict(buf, msg, maxlen=65536):
    if len(buf) > maxlen:
        raise Err('too_big')
    d, issues = decode(buf, msg, True)
    for k in ('unknown', 'noncanon'):
        for kk, why in issues:
            if kk == k:
                raise Err(k, why)
    return d


# ---------------------------------------------------------------- field rules (subset)
def is_text(b, multiline=False):
    try:
        s = b.decode('utf-8')
    except UnicodeDecodeError:
        return False
    for ch in s:
        o = ord(ch)
        if multiline and ch in '\n\t':
            continue
        if o < 0x20 or o == 0x7f or 0x80 <= o <= 0x9f:
            return False
        if 0xd800 <= o <= 0xdfff:
            return False
    return True


def check_fields(body):
    """Part of events.md section 3 rules 6-7; raises Err('field')."""
    def need(c, why):
        if not c:
            raise Err('field', why)
    need(len(body.get('network', b'')) == 32, 'network')
    need(len(body.get('author', b'')) == 32, 'author')
    seq = body.get('seq', 0)
    need(seq >= 1, 'seq')
    if 'prev' in body:
        need(len(body['prev']) == 32 and body['prev'] != bytes(32) and seq >= 2, 'prev')
    kinds = [f for f in KINDS if KINDS[f] in body]
    need(len(kinds) == 1, 'content')
    kind = KINDS[kinds[0]]
    c = body[kind]
    idf = lambda x: len(c.get(x, b'')) == 32
    opt = lambda x: x not in c or len(c[x]) == 32
    if kind == 'vote':
        need(idf('process') and idf('poll'), 'vote ids')
        need(is_text(c.get('unit', b'')) and len(c.get('unit', b'')) <= 64, 'unit')
        ch = c.get('choices', [])
        need(len(ch) <= 1024, 'choices')
        ps = [x.get('project', b'') for x in ch]
        need(all(len(p) == 32 for p in ps) and len(set(ps)) == len(ps), 'projects')
        need(0 <= c.get('answer', 0) <= 3, 'answer')
        need(not (ch and c.get('answer', 0)), 'choices and answer')
        if c.get('withdraw'):
            need(not ch and not c.get('answer', 0) and not c.get('unit'), 'withdraw')
    elif kind == 'poll':
        need(idf('process') and 1 <= c.get('kind', 0) <= 6, 'poll')
    elif kind == 'process':
        need(1 <= c.get('kind', 0) <= 4, 'kind')
        need(body['author'] in c.get('owners', []), 'owners')
        need(c.get('decimals', 0) <= 6, 'decimals')
    elif kind == 'credential':
        need(idf('subject') and idf('scope'), 'cred')
        need(not (c.get('revoke') and c.get('attributes')), 'revoke attrs')
    elif kind == 'idea':
        need(1 <= len(c.get('title', b'')) <= 256 and is_text(c.get('title', b'')), 'title')
        need(opt('process') and opt('edit') and not ('process' in c and 'edit' in c), 'idea ids')
    elif kind == 'member':
        op = c.get('op', 0)
        need(1 <= op <= 3, 'op')
        if op == 1:
            need('member' in c and 'key' not in c, 'add')
        elif op == 2:
            need('member' not in c and len(c.get('key', b'')) == 32, 'rm')
        else:
            need('member' in c and len(c.get('key', b'')) == 32, 'rotate')
    elif kind in ('close', 'prepare', 'promise', 'proposal', 'cosign'):
        need(idf('process') and idf('roster'), 'close ids')
        for lf in ('seal', 'frontier', 'promises'):
            if lf in c:
                v = c[lf]
                need(len(v) % 32 == 0, lf)
                ids = [v[k:k + 32] for k in range(0, len(v), 32)]
                need(ids == sorted(set(ids)) and len(ids) <= 1900, lf + ' sorted')
        if kind == 'prepare':
            need(c.get('counter', 0) >= 1, 'counter')
        if kind == 'proposal':
            need('value' in c, 'value')
            if 'frontier_parts' not in c:
                need(c['value'].get('count', 0) == len(c.get('frontier', b'')) // 32, 'count')
            need(1 <= len(c.get('promises', b'')) // 32 <= 256, 'promises')
        if kind == 'cosign':
            need(idf('proposer') and 'value' in c and idf('proposal'), 'cosign')
    return kind


# ---------------------------------------------------------------- export file
def read_export(data):
    if data[:8] != b'WIECLOG1':
        raise Err('magic')
    recs = []
    i = 8
    broken = None
    while i < len(data):
        if i + 4 > len(data):
            broken = (i, 'frame'); break
        ln = struct.unpack('>I', data[i:i + 4])[0]
        if ln == 0 or ln > 65536 or i + 4 + ln > len(data):
            broken = (i, 'frame'); break
        recs.append((i, data[i + 4:i + 4 + ln]))
        i += 4 + ln
    if not recs:
        raise Err('missing')
    return recs, broken


def verify_sig(pk, msg, sig):
    if not HAVE_NACL:
        return None
    try:
        nacl.signing.VerifyKey(pk).verify(msg, sig)
        return True
    except Exception:
        return False


class Ev:
    pass


def parse_genesis(raw):
    g = decode_strict(raw, 'Genesis')
    body = g.get('body', b'')
    gb = decode_strict(body, 'GenesisBody')
    founders = gb.get('founders', [])
    sigs = g.get('sigs', [])
    if not (1 <= len(founders) <= 64) or len(sigs) != len(founders):
        raise Err('field', 'founders/sigs')
    q = gb.get('quorum', 0)
    if not 1 <= q <= len(founders):
        raise Err('field', 'quorum')
    for f, s in zip(founders, sigs):
        ok = verify_sig(f['key'], b'wiec-genesis-v1' + body, s) if len(s) == 64 else False
        if ok is False:
            raise Err('sig', 'genesis signature')
    net = H(b'wiec-network-v1', body)
    return net, gb


def parse_event(raw, net):
    env = decode_strict(raw, 'Envelope')
    if len(env.get('sig', b'')) != 64 or not env.get('body'):
        raise Err('field', 'sig/body')
    body = decode_strict(env['body'], 'Body')
    kind = check_fields(body)
    if body['network'] != net:
        raise Err('network')
    ok = verify_sig(body['author'], b'wiec-event-v1' + body['network'] + env['body'], env['sig'])
    if ok is False:
        raise Err('sig')
    e = Ev()
    e.raw = raw
    e.id = H(raw)
    e.author = body['author']
    e.seq = body['seq']
    e.prev = body.get('prev')
    e.kind = kind
    e.c = body[kind]
    e.body = body
    return e


# ---------------------------------------------------------------- held set, forks, digest
def build_held(events, founders):
    """events: list of (offset, Ev or Err). Returns held dict, outcomes, excluded set."""
    order = []
    refused = []
    for off, e in events:
        if isinstance(e, Err):
            refused.append((off, e.kind))
        else:
            order.append((e.author, e.seq, off, e))
    order.sort(key=lambda t: (t[0], t[1], t[2]))
    held = {}
    pending = {}
    outcome = {}

    def append(e):
        held[e.id] = e
        outcome[e.id] = 'added'
        for w in pending.pop((e.author, e.id), []):
            decide_linked(w)

    def decide_linked(e):
        p = held[e.prev]
        if p.author != e.author or p.seq >= e.seq:
            outcome.setdefault(e.id, 'chain')
            return
        append(e)

    for a, s, off, e in order:
        if e.id in held:
            continue
        if e.prev is None:
            append(e)
        elif e.prev in held:
            p = held[e.prev]
            if p.author != e.author or p.seq >= e.seq:
                refused.append((off, 'chain'))
            else:
                append(e)
        else:
            lst = pending.setdefault((e.author, e.prev), [])
            if all(x.id != e.id for x in lst):
                lst.append(e)
    waiting = sum(len(v) for v in pending.values())
    # per author
    by_author = {}
    for e in held.values():
        by_author.setdefault(e.author, []).append(e)
    excluded = set()
    heads = {}
    for a, evs in by_author.items():
        kids = {}
        for e in evs:
            kids.setdefault(e.prev, []).append(e)
        f = None
        for parent, ks in kids.items():
            if len(ks) > 1:
                m = min(k.seq for k in ks)
                f = m if f is None else min(f, m)
        if a in founders and f is not None:
            for e in evs:
                if e.seq >= f:
                    excluded.add(e.id)
        prevs = {e.prev for e in evs}
        tips = sorted(e.id for e in evs if e.id not in prevs)
        heads[a] = (max(e.seq for e in evs), tips, f)
    return held, refused, waiting, excluded, heads


def tips_value(tips):
    if len(tips) <= 64:
        return H(b'wiec-tips-v1', *tips)
    buckets = []
    for b in range(256):
        buckets.append(H(b'wiec-tips-v1', *[t for t in tips if t[0] == b]))
    return H(b'wiec-tips-v2', *buckets)


def digest(heads):
    recs = []
    for a in sorted(heads):
        hs, tips, f = heads[a]
        recs.append(a + u64be(hs) + tips_value(tips))
    return H(b'wiec-digest-v2', *recs)


# ---------------------------------------------------------------- roster (members.md)
def q_of(n, n0, Q0):
    return min(n, max(-(-n * Q0 // n0), n // 2 + 1))


class Roster:
    def __init__(self, founders, Q0):
        self.members = [{'key': f['key'], 'rec': f, 'earlier': []} for f in founders]
        self.former = set()
        self.head = None
        self.n0, self.Q0 = len(founders), Q0

    def copy(self):
        r = Roster.__new__(Roster)
        r.members = [{'key': m['key'], 'rec': m['rec'], 'earlier': list(m['earlier'])} for m in self.members]
        r.former = set(self.former)
        r.head, r.n0, r.Q0 = self.head, self.n0, self.Q0
        return r

    def q(self):
        return q_of(len(self.members), self.n0, self.Q0)

    def member_of(self, k):
        for i, m in enumerate(self.members):
            if m['key'] == k or k in m['earlier']:
                return i
        return None

    def keys(self):
        return sorted(m['key'] for m in self.members)


def walk_roster(genesis, live):
    r = Roster(genesis.get('founders', []), genesis.get('quorum', 0))
    changes = [e for e in live if e.kind == 'member']
    approvals = {}
    for e in live:
        if e.kind == 'approve':
            approvals.setdefault(e.c['target'], set()).add(e.author)
    states = {None: r.copy()}
    while True:
        cands = []
        for c in changes:
            if c.c.get('after') != r.head:
                continue
            if not valid_against(c, r):
                continue
            signers = set()
            for a in {c.author} | approvals.get(c.id, set()):
                for i, m in enumerate(r.members):
                    if m['key'] == a:
                        signers.add(i)
            if len(signers) >= r.q():
                cands.append(c)
        if not cands:
            break
        c = min(cands, key=lambda x: x.id)
        apply_change(c, r)
        r.head = c.id
        states[c.id] = r.copy()
    return r, states


def valid_against(c, r):
    op = c.c.get('op')
    cur = [m['key'] for m in r.members]
    if op == 1:
        k = c.c['member']['key']
        t = c.c['member']['transport']
        if len(r.members) >= 256 or r.member_of(k) is not None:
            return False
        return all(m['rec']['transport'] != t for m in r.members)
    if op == 2:
        return c.c['key'] in cur and len(r.members) >= 2
    if op == 3:
        if c.c['key'] not in cur:
            return False
        i = cur.index(c.c['key'])
        nk = c.c['member']['key']
        if any(m['rec']['transport'] == c.c['member']['transport'] for j, m in enumerate(r.members) if j != i):
            return False
        if nk != c.c['key'] and (r.member_of(nk) is not None or nk in r.former):
            return False
        return True
    return False


def apply_change(c, r):
    op = c.c['op']
    if op == 1:
        k = c.c['member']['key']
        r.former.discard(k)
        r.members.append({'key': k, 'rec': c.c['member'], 'earlier': []})
    elif op == 2:
        i = [m['key'] for m in r.members].index(c.c['key'])
        m = r.members.pop(i)
        r.former.add(m['key']); r.former.update(m['earlier'])
    else:
        i = [m['key'] for m in r.members].index(c.c['key'])
        m = r.members[i]
        nk = c.c['member']['key']
        if nk != m['key']:
            m['earlier'].append(m['key'])
        m['key'] = nk
        m['rec'] = c.c['member']



def greedy(rule, uopts, score, cost, appr, pos, budget, c, threshold=True):
    """tally.md 2.2."""
    order = sorted(uopts, key=lambda p: (-score[p], cost[p], -appr[p], pos[p]))
    skip = rule in ('greedy', 'greedy-threshold', 'greedy-exclusive')
    custom = rule == 'greedy-custom'
    left = budget
    groups = [set(g.get('projects', [])) for g in c.get('exclusive', [])] if rule == 'greedy-exclusive' else []
    ms = c.get('min_score') if threshold else None
    W = []
    for p in order:
        if score[p] == 0:
            break
        if ms and score[p] * ms.get('den', 1) < ms.get('num', 0):
            continue
        if any(p in g and any(w in g for w in W) for g in groups):
            continue
        if cost[p] <= left:
            W.append(p); left -= cost[p]; continue
        if skip:
            continue
        if custom and 5 * left >= 4 * cost[p]:
            W.append(p)
        break
    return W


def mes(uopts, sets, cost, share, appr, pos):
    """tally.md 2.3 MES(share), exact rationals; cost utilities. Voters with the same
    approved winners hold the same money: kept per class [money, [(ballot, voters)], counts].
    Since rho never decreases, a round evaluates projects by increasing last rho and stops
    once a last rho exceeds the best found (ties still evaluated), as 2.3 allows."""
    dist = {}
    for v in sets:
        fv = frozenset(v)
        dist[fv] = dist.get(fv, 0) + 1

    def mk(m, vs):
        cnt = {}
        for v, k in vs:
            for c in v:
                cnt[c] = cnt.get(c, 0) + k
        return [m, vs, cnt]
    classes = [mk(Fraction(share), list(dist.items()))]
    C = {c for c in uopts if appr[c] > 0}
    last = {c: Fraction(0) for c in C}
    W = []
    while True:
        best = None
        for c in sorted(C, key=lambda c: (last[c], pos[c])):
            if best is not None and last[c] > best[0][0]:
                break
            S = [(cl[0], cl[2][c]) for cl in classes if cl[2].get(c)]
            if sum((m * n for m, n in S), Fraction(0)) < cost[c]:
                C.discard(c)
                continue
            need = Fraction(cost[c]); rich = sum(n for m, n in S)
            for m, n in sorted(S):
                if m < need / rich:
                    need -= m * n; rich -= n
                else:
                    break
            pay = need / rich
            rho = pay / cost[c] if cost[c] else Fraction(0)
            last[c] = rho
            key = (rho, -appr[c], cost[c], pos[c])
            if best is None or key < best[0]:
                best = (key, c, pay)
        if best is None:
            return W
        _, b, pay = best
        new = []
        for m, vs, cnt in classes:
            if not cnt.get(b):
                new.append([m, vs, cnt]); continue
            yes = [(v, k) for v, k in vs if b in v]
            no = [(v, k) for v, k in vs if b not in v]
            new.append(mk(m - min(m, pay), yes))
            if no:
                new.append(mk(m, no))
        classes = new
        W.append(b)
        C.discard(b)


def equal_shares(rule, uopts, sets, cost, budget, appr, pos, dec, c):
    """tally.md 2.3 and 4.9: amounts as real currency (held / 10^decimals)."""
    nv = len(sets)
    if nv == 0:
        return [], 0
    s = Fraction(1, 10 ** dec)
    rc = {o: cost[o] * s for o in uopts}
    B = budget * s
    W = mes(uopts, sets, rc, B / nv, appr, pos)
    if rule != 'equalshares' and sum(rc.values()) > B:
        approved = {o for o in uopts if appr[o] > 0}
        k = 0
        while True:
            if approved <= set(W):
                break
            k += 1
            if k > 100000:
                raise Err('tally', 'add1 past 100,000 raises')
            W2 = mes(uopts, sets, rc, B / nv + k, appr, pos)
            if sum(rc[o] for o in W2) > B:
                break
            W = W2
    if rule == 'equalshares/add1-comparison':
        # greedy(skip) of 2.2 by approvals: its eligible(p) applies the poll's min_score
        G = greedy('greedy', uopts, appr, cost, appr, pos, budget, c)
        sg, sm = set(G), set(W)
        g = sum(1 for v in sets if len(v & sg) > len(v & sm))
        m = sum(1 for v in sets if len(v & sm) > len(v & sg))
        if g > m:
            return G, 1
    return W, 0


# ---------------------------------------------------------------- model and tally
RULES = ['greedy', 'greedy-no-skip', 'greedy-threshold', 'greedy-exclusive', 'greedy-custom',
         'equalshares', 'equalshares/add1', 'equalshares/add1-comparison', 'approval', 'plurality',
         'borda', 'points']   # tally_rule_t numbering: tally.md 4.6
DEFAULT_RULE = {1: 'approval', 2: 'plurality', 4: 'greedy', 5: 'points', 6: 'borda'}


class Model:
    def __init__(self, genesis, held, excluded):
        self.genesis = genesis
        self.live = [e for e in held.values() if e.id not in excluded]
        self.byid = {e.id: e for e in self.live}
        self.roster, self.states = walk_roster(genesis, self.live)

    def role(self, key, keys, roster=None):
        r = roster or self.roster
        m = r.member_of(key)
        if m is None:
            return False
        return any(r.member_of(l) == m for l in keys)

    def process(self, P):
        e = self.byid.get(P)
        if not e or e.kind != 'process':
            return None
        if self.roster.member_of(e.author) is None:
            return None
        return e

    def scope(self, pe):
        return pe.c.get('census') or pe.id

    def author_order(self, e):
        """(member index or key, key generation, seq, id): later key > earlier key (members.md 4)."""
        r = self.roster
        m = r.member_of(e.author)
        if m is None:
            return (e.author, 0, e.seq, e.id)
        mm = r.members[m]
        gens = mm['earlier'] + [mm['key']]
        return (('m', m), gens.index(e.author), e.seq, e.id)

    def eligibility(self, pe, frontier=None):
        """subject -> attributes dict (eligible) ; by model.md 10."""
        scope = self.scope(pe)
        latest = {}
        for e in self.live:
            if e.kind != 'credential' or e.c.get('scope') != scope:
                continue
            if frontier is not None and e.id not in frontier:
                continue
            if not self.role(e.author, pe.c.get('registrars', [])):
                continue
            o = self.author_order(e)
            k = (o[0], e.c['subject'])
            if k not in latest or o[1:] > latest[k][0][1:]:
                latest[k] = (o, e)
        elig = {}
        for (reg, subj), (o, e) in sorted(latest.items(), key=lambda kv: kv[1][1].author):
            if e.c.get('revoke'):
                continue
            if subj not in elig:
                elig[subj] = {a['name']: a.get('value', b'') for a in e.c.get('attributes', [])}
        return elig

    def idea_latest(self, orig, frontier=None):
        best = orig
        for e in self.live:
            if e.kind == 'idea' and e.c.get('edit') == orig.id and e.author == orig.author:
                if frontier is not None and e.id not in frontier:
                    continue
                if (e.seq, e.id) > (best.seq, best.id):
                    best = e
        return best

    def poll_valid(self, pe, poll):
        c = poll.c
        if c.get('process') != pe.id:
            return 'no_process'
        if not self.role(poll.author, pe.c.get('owners', [])):
            return 'not_owner'
        pk = pe.c.get('kind')
        if (c['kind'] == 4) != (pk == 3):
            return 'wrong_kind'
        if c.get('decision', 0) and pk != 4:
            return 'wrong_kind'
        rule = c.get('rule', b'').decode()
        allowed = {1: ['approval'], 2: ['plurality', 'approval'], 3: [],
                   4: RULES[:8], 5: ['points', 'approval'], 6: ['borda', 'plurality']}[c['kind']]
        if rule and rule not in allowed:
            return 'bad_rule'
        if c['kind'] == 3 and not c.get('decision', 0) and 'quorum' in c and not pe.c.get('eligibility'):
            return 'bad_quorum'
        for o in c.get('options', []):
            ie = self.byid.get(o)
            if not ie or ie.kind != 'idea' or 'edit' in ie.c or ie.c.get('process') != pe.id:
                return 'bad_option'
        return None

    def tally(self, P, frontier=None):
        pe = self.process(P)
        if pe is None:
            return None
        fr = frontier
        units = [u['name'] for u in pe.c.get('units', [])]
        budgets = [u.get('budget', 0) for u in pe.c.get('units', [])]
        polls = sorted((e for e in self.live if e.kind == 'poll' and e.c.get('process') == P
                        and (fr is None or e.id in fr)), key=lambda e: e.id)
        elig = self.eligibility(pe, fr)
        out = []
        for poll in polls:
            why = self.poll_valid(pe, poll)
            # rule 7 no_cost
            proj = {}
            if why is None:
                for o in poll.c.get('options', []):
                    lv = self.idea_latest(self.byid[o], fr)
                    proj[o] = lv
                    if poll.c['kind'] == 4 and lv.c.get('unit', b'') not in units:
                        why = 'no_cost'
            if why:
                out.append({'poll': poll, 'invalid': why})
                continue
            out.append(self.tally_poll(pe, poll, proj, units, budgets, elig, fr))
        return out

    def tally_poll(self, pe, poll, proj, units, budgets, elig, fr):
        c = poll.c
        kind = c['kind']
        opts = c.get('options', [])
        nc = {}
        latest = {}
        for e in self.live:
            if e.kind != 'vote' or e.c.get('poll') != poll.id:
                continue
            if fr is not None and e.id not in fr:
                nc['not_in_frontier'] = nc.get('not_in_frontier', 0) + 1
                continue
            why = self.ballot_reason(pe, poll, e, proj, units, budgets, elig)
            if why:
                nc[why] = nc.get(why, 0) + 1
                continue
            k = e.author
            if c.get('decision'):
                k = ('m', self.roster.member_of(e.author))
            o = self.author_order(e) if c.get('decision') else (0, 0, e.seq, e.id)
            if k in latest:
                nc['superseded'] = nc.get('superseded', 0) + 1
                if o[1:] > latest[k][0][1:]:
                    latest[k] = (o, e)
            else:
                latest[k] = (o, e)
        ballots = [e for o, e in sorted(latest.values(), key=lambda oe: oe[1].id)]
        wd = [b for b in ballots if b.c.get('withdraw')]
        if wd:
            nc['withdrawn'] = len(wd)
        ballots = [b for b in ballots if not b.c.get('withdraw')]
        rule = c.get('rule', b'').decode() or DEFAULT_RULE.get(kind, '')
        res = {'poll': poll, 'rule': rule, 'not_counted': nc, 'counted': len(ballots), 'units': []}
        if kind == 3:
            res.update(self.yes_no(pe, c, ballots, elig))
            return res
        if kind == 4:
            dec = pe.c.get('decimals', 0)
            for ui, un in enumerate(units):
                uopts = [o for o in opts if proj[o].c.get('unit', b'') == un]
                ub = [b for b in ballots if b.c.get('unit', b'') == un]
                res['units'].append(self.count_unit(ui, uopts, ub, proj, budgets[ui], rule, c, pe, dec))
        else:
            res['units'].append(self.count_unit(None, opts, ballots, proj, None, rule, c, pe))
        return res

    def ballot_reason(self, pe, poll, e, proj, units, budgets, elig):
        c, v = poll.c, e.c
        if v.get('process') != c.get('process'):
            return 'no_poll'
        if c.get('decision'):
            if self.roster.member_of(e.author) is None:
                return 'not_member'
        elif pe.c.get('eligibility') and e.author not in elig:
            return 'not_eligible'
        if v.get('withdraw'):
            return None
        kind = c['kind']
        if kind == 3:
            if not v.get('answer') or v.get('choices'):
                return 'bad_answer'
        elif v.get('answer'):
            return 'bad_answer'
        opts = set(c.get('options', []))
        chs = v.get('choices', [])
        if any(x.get('project') not in opts for x in chs):
            return 'unknown_project'
        unit = v.get('unit', b'')
        if kind == 4:
            if unit not in units:
                return 'bad_unit'
            a = elig.get(e.author, {})
            if b'unit' in a and a[b'unit'] != unit:
                return 'bad_unit'
            if any(proj[x['project']].c.get('unit', b'') != unit for x in chs):
                return 'other_unit'
        elif unit:
            return 'bad_unit'
        ps = [x['project'] for x in chs]
        if len(set(ps)) != len(ps):
            return 'duplicate'
        cum = kind == 5 or (kind == 4 and c.get('ballot') == 5)
        if cum:
            if any(x.get('points', 0) < 1 for x in chs) or sum(x.get('points', 0) for x in chs) > c.get('points', 0):
                return 'bad_points'
        elif any(x.get('points', 0) for x in chs):
            return 'bad_points'
        n = len(chs)
        if kind == 2:
            if n < 1:
                return 'too_few'
            if n > 1:
                return 'too_many'
        else:
            if n < c.get('min', 0):
                return 'too_few'
            if c.get('max', 0) and n > c['max']:
                return 'too_many'
        if kind == 4 and not c.get('no_cost_limit'):
            ui = units.index(unit)
            if sum(proj[p].c.get('cost', 0) for p in ps) > budgets[ui]:
                return 'over_budget'
        return None

    def yes_no(self, pe, c, ballots, elig):
        """tally.md 4.5 and 4.6: yes/no of residents and co-decision of members."""
        r = {'yes': sum(1 for b in ballots if b.c.get('answer') == 1),
             'no': sum(1 for b in ballots if b.c.get('answer') == 2),
             'abstain': sum(1 for b in ballots if b.c.get('answer') == 3),
             'electorate': 0, 'yes_weight': 0, 'total_weight': 0}
        yes, no, ab = r['yes'], r['no'], r['abstain']
        dec = c.get('decision', 0)
        if not dec:
            r['electorate'] = len(elig) if pe.c.get('eligibility') else 0
            ok = True
            q = c.get('quorum')
            if q is not None:
                ok = (yes + no + ab) * q.get('den', 0) >= q.get('num', 0) * r['electorate']
            t = c.get('threshold') or {'num': 1, 'den': 2}
            ok = ok and yes * t.get('den', 0) > t.get('num', 0) * (yes + no)
            r['carried'] = ok
            return r
        R = self.roster
        n = len(R.members)
        r['electorate'] = n
        wt = {}
        for w in c.get('weights', []):
            m = R.member_of(w.get('member', b''))
            if m is not None and m not in wt:      # weights name a member by any of its keys
                wt[m] = w.get('weight', 0)
        r['total_weight'] = sum(wt.values())
        if dec == 1:
            ok = yes > no
        else:
            m = c.get('majority', {})
            ok = yes * m.get('den', 0) >= m.get('num', 0) * n
            if dec == 3:
                ym = {R.member_of(b.author) for b in ballots if b.c.get('answer') == 1}
                r['yes_weight'] = sum(wt.get(x, 0) for x in ym)
                w = c.get('weight_majority', {})
                ok = ok and r['yes_weight'] * w.get('den', 0) >= w.get('num', 0) * r['total_weight']
        r['carried'] = ok
        return r

    def count_unit(self, ui, uopts, ballots, proj, budget, rule, c, pe, dec=0):
        """One unit (budget) or the whole poll (others): scores (2.1, 2.4) and winners."""
        kind = c['kind']
        appr = {o: 0 for o in uopts}
        score = {o: 0 for o in uopts}
        ordinal = kind == 6 or (kind == 4 and c.get('ballot') == 6)
        cum = kind == 5 or (kind == 4 and c.get('ballot') == 5)
        L = c.get('max', 0) or max([len(b.c.get('choices', [])) for b in ballots] + [0])
        sets = []
        for b in ballots:
            chs = b.c.get('choices', [])
            sets.append({x['project'] for x in chs})
            for k, x in enumerate(chs):
                p = x['project']
                if p not in appr:
                    continue
                appr[p] += 1
                if rule in ('approval',):
                    score[p] += 1
                elif rule == 'plurality':
                    score[p] += 1 if k == 0 else 0
                elif rule == 'borda':
                    score[p] += len(c.get('options', [])) - 1 - k
                elif rule == 'points':
                    score[p] += x.get('points', 1)
                elif cum:
                    score[p] += x.get('points', 0)
                elif ordinal:
                    score[p] += max(0, L - k)
                else:
                    score[p] += 1
        pos = {o: i for i, o in enumerate(c.get('options', []))}
        winners = []
        used_greedy = 0
        if kind == 4:
            cost = {o: proj[o].c.get('cost', 0) for o in uopts}
            if rule.startswith('equalshares'):
                winners, used_greedy = equal_shares(rule, uopts, sets, cost, budget, appr, pos, dec, c)
                # The spec does not say which score the result bytes carry for equal shares
                # (2.1 gives points / ordinal scores by vote type); wiec writes approvals,
                # as 2.3 reads every named project as approved.
                score = dict(appr)
            else:
                winners = greedy(rule, uopts, score, cost, appr, pos, budget, c)
        else:
            top = max(score.values()) if score else 0
            winners = [o for o in uopts if score[o] == top and top > 0]
        return {'unit': ui, 'ballots': len(ballots), 'options': uopts, 'score': score, 'winners': winners,
                'used_greedy': used_greedy}

    def result_bytes(self, P, frontier=None):
        t = self.tally(P, frontier)
        valid = [r for r in t if 'invalid' not in r]
        out = struct.pack('>I', len(valid))
        for r in valid:
            c = r['poll'].c
            rule = 255 if c['kind'] == 3 else RULES.index(r['rule'])
            out += r['poll'].id + bytes([c['kind'], c.get('decision', 0), rule]) + u64be(r['counted'])
            if c['kind'] == 3:
                out += b''.join(u64be(r[k]) for k in ('yes', 'no', 'abstain', 'electorate', 'yes_weight',
                                                       'total_weight'))
                out += bytes([1 if r['carried'] else 0])
                continue
            out += struct.pack('>I', len(r['units']))
            for u in r['units']:
                out += struct.pack('>I', 0xffffffff if u['unit'] is None else u['unit'])
                out += u64be(u['ballots']) + struct.pack('>I', len(u['options']))
                for o in u['options']:
                    out += o + u64be(u['score'][o])
                w = u['winners'] or []
                out += struct.pack('>I', len(w)) + b''.join(w) + bytes([u.get('used_greedy', 0)])
        return out, H(b'wiec-result-v1', out), t

    # ---------------------------------------------------------- close (close.md)
    def counted_events(self, P):
        pe = self.byid[P]
        scope = self.scope(pe)
        ids = set()
        opts = set()
        for e in self.live:
            if e.kind == 'vote' and e.c.get('process') == P:
                ids.add(e.id)
            elif e.kind == 'credential' and e.c.get('scope') == scope:
                ids.add(e.id)
            elif e.kind == 'poll' and e.c.get('process') == P:
                ids.add(e.id); opts.update(e.c.get('options', []))
        for e in self.live:
            if e.kind == 'idea' and e.c.get('edit') in opts:
                ids.add(e.id)
        return ids

    def parts(self, P):
        """close.md 3: part hash -> IdPart content, any held IdPart with that hash."""
        if not hasattr(self, '_parts'):
            self._parts = {}
            for e in self.live:
                if e.kind == 'idpart':
                    c = e.c
                    h = H(b'wiec-idpart-v1', c.get('process', b''), struct.pack('>I', c.get('level', 0)),
                          c.get('items', b''))
                    self._parts.setdefault((c.get('process'), h), c)
        return self._parts

    def id_list(self, P, st, inline, parts):
        """A statement's list (seal or frontier): inline, or by parts (close.md 3).
        Returns the ids, or a string naming why it does not resolve."""
        if parts not in st.c:
            v = st.c.get(inline, b'')
            return [v[k:k + 32] for k in range(0, len(v), 32)]
        tab = self.parts(P)
        hs = st.c[parts]
        hs = [hs[k:k + 32] for k in range(0, len(hs), 32)]
        level = None
        out = []
        def expand(h, want):
            pt = tab.get((P, h))
            if pt is None:
                raise Err('incomplete', 'part %s not held' % h.hex()[:16])
            lv = pt.get('level', 0)
            if want is not None and lv != want:
                raise Err('form', 'part level')
            it = pt.get('items', b'')
            it = [it[k:k + 32] for k in range(0, len(it), 32)]
            if lv == 0:
                out.extend(it)
            else:
                for x in it:
                    expand(x, lv - 1)
            return lv
        try:
            for h in hs:
                lv = expand(h, level)
                level = lv if level is None else level
        except Err as ex:
            return str(ex)
        if any(out[k] >= out[k + 1] for k in range(len(out) - 1)) or len(out) > 1 << 24:
            return 'form: list not ascending'
        return out

    def certificates(self, P):
        pe = self.process(P)
        stm = [e for e in self.live if e.kind in ('close', 'prepare', 'promise', 'proposal', 'cosign')
               and e.c.get('process') == P]
        certs = []
        for p in sorted((e for e in stm if e.kind == 'proposal'), key=lambda e: (e.c.get('counter', 0), e.author, e.id)):
            R = p.c['roster']
            rst = self.states.get(None if R == bytes(32) else R)
            if rst is None:
                certs.append((p, 'roster unknown')); continue
            M = rst.keys(); n = len(M); q = rst.q()
            why = None
            cnt = p.c.get('counter', 0)
            if p.author not in M:
                why = 'form: proposer not in M'
            elif cnt == 0 and not self.role(p.author, pe.c.get('owners', []), rst):
                why = 'round-0 proposer not owner'
            elif cnt >= 1 and M[cnt % n] != p.author:
                why = 'form: not designated proposer'
            ids = self.id_list(P, p, 'frontier', 'frontier_parts')
            if isinstance(ids, str):
                why = why or ids
                ids = []
            v = p.c['value']
            root = H(b'wiec-frontier-v1', u64be(len(ids)), *ids)
            if not why and (root != v.get('root') or v.get('count', 0) != len(ids)):
                why = 'form: frontier root'
            prom_ids = [p.c['promises'][k:k + 32] for k in range(0, len(p.c.get('promises', b'')), 32)]
            proms = [self.byid.get(x) for x in prom_ids]
            if not why:
                if any(x is None or x.kind != 'promise' or x.c.get('counter', 0) != cnt or
                       x.c.get('proposer') != p.author or x.c.get('roster') != R for x in proms):
                    why = 'promises'
                elif len({x.author for x in proms if x.author in M}) < q:
                    why = 'promises: fewer than q'
            if not why:
                acc = [x.c['accepted'] for x in proms if 'accepted' in x.c]
                if acc:
                    top = max((a.get('counter', 0), a.get('proposer', b'')) for a in acc)
                    vals = {(a['value'].get('root'), a['value'].get('count', 0), a['value'].get('result'))
                            for a in acc if (a.get('counter', 0), a.get('proposer', b'')) == top}
                    if len(vals) != 1 or (v.get('root'), v.get('count', 0), v.get('result')) not in vals:
                        why = 'value'
                else:
                    union = set()
                    for x in proms:
                        sl = self.id_list(P, x, 'seal', 'seal_parts')
                        if isinstance(sl, str):
                            why = 'promises: ' + sl
                        else:
                            union.update(sl)
                    if not why and sorted(union) != ids:
                        why = 'value: frontier is not the union of seals'
            if not why:
                _, h, _ = self.result_bytes(P, set(ids))
                if h != v.get('result'):
                    why = 'result'
            if not why:
                cos = {x.author for x in stm if x.kind == 'cosign' and x.c.get('proposal') == p.id and
                       x.c.get('counter', 0) == cnt and x.c.get('proposer') == p.author and x.c.get('value') == v
                       and x.c.get('roster') == R and x.author in M}
                if len(cos) < q:
                    why = 'cosigns: %d of %d' % (len(cos), q)
            certs.append((p, why or 'ok'))
        return certs


def hx(b):
    return b.hex() if isinstance(b, (bytes, bytearray)) else b


def main():
    args = sys.argv[1:]
    as_json = '--json' in args
    args = [a for a in args if a != '--json']
    path = args[0]
    data = open(path, 'rb').read()
    report = {'signatures_checked': HAVE_NACL}
    recs, broken = read_export(data)
    report['framing'] = 'ok' if broken is None else 'broken at %d' % broken[0]
    g_off, g_raw = recs[0]
    net, genesis = parse_genesis(g_raw)
    report['network'] = net.hex()
    evs = []
    for off, raw in recs[1:]:
        try:
            evs.append((off, parse_event(raw, net)))
        except Err as ex:
            evs.append((off, ex))
    founders = {f['key'] for f in genesis.get('founders', [])}
    held, refused, waiting, excluded, heads = build_held(evs, founders)
    report['records'] = len(recs) - 1
    report['events'] = len(held)
    report['refused'] = [(o, k) for o, k in refused]
    report['waiting'] = waiting
    report['excluded'] = len(excluded)
    report['forked_authors'] = sum(1 for a in heads if heads[a][2] is not None)
    report['authors'] = len(heads)
    report['digest'] = digest(heads).hex()
    m = Model(genesis, held, excluded)
    report['members'] = [k.hex() for k in m.roster.keys()]
    report['roster_head'] = hx(m.roster.head) if m.roster.head else None
    procs = {}
    for pe in sorted((e for e in m.live if e.kind == 'process'), key=lambda e: e.id):
        if not any(e.kind == 'poll' and e.c.get('process') == pe.id for e in m.live):
            continue
        P = pe.id
        rb, h, t = m.result_bytes(P)
        pr = {'live_hash': h.hex(), 'polls': []}
        for r in t:
            if 'invalid' in r:
                pr['polls'].append({'poll': r['poll'].id.hex(), 'invalid': r['invalid']}); continue
            pr['polls'].append({'poll': r['poll'].id.hex(), 'rule': r['rule'], 'counted': r['counted'],
                                'not_counted': r['not_counted'],
                                'winners': [[w.hex() for w in (u['winners'] or [])] for u in r['units']],
                                'scores': [{o.hex(): u['score'][o] for o in u['options']} for u in r['units']],
                                **({k: r[k] for k in ('yes', 'no', 'abstain', 'electorate', 'yes_weight', 'total_weight',
                                                       'carried')} if 'yes' in r else {})})
        certs = m.certificates(P)
        pr['certificates'] = [{'proposal': p.id.hex(), 'counter': p.c.get('counter', 0),
                               'proposer': p.author.hex(), 'check': why} for p, why in certs]
        good = [p for p, why in certs if why == 'ok']
        if good:
            p = good[0]
            ids = set(m.id_list(P, p, 'frontier', 'frontier_parts'))
            pr['certified_frontier'] = len(ids)
            pr['certified_by_parts'] = 'frontier_parts' in p.c
            rb2, h2, t2 = m.result_bytes(P, ids)
            pr['certified_hash'] = h2.hex()
            pr['certified_winners'] = [[[w.hex() for w in (u['winners'] or [])] for u in r['units']]
                                       for r in t2 if 'invalid' not in r]
            pr['certified_counted'] = [r['counted'] for r in t2 if 'invalid' not in r]
        procs[P.hex()] = pr
    report['processes'] = procs
    if as_json:
        print(json.dumps(report, indent=1))
    else:
        for k, v in report.items():
            if k != 'processes':
                print('%s: %s' % (k, v))
        for P, pr in procs.items():
            print('process %s' % P)
            print('  ' + json.dumps(pr, indent=1).replace('\n', '\n  '))
    return 0 if (broken is None and not refused) else 5


if __name__ == '__main__':
    sys.exit(main())
