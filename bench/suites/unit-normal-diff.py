#!/usr/bin/env python3
"""Summarise a unit-normal.sh run: a per-file table (real vs embedded) and, per file, the tests the
real server passes that the embedded node fails or never reaches (its file aborted or timed out).

usage: unit-normal-diff.py <outdir>      (reads <outdir>/results.tsv and <outdir>/logs/<server>/*.log,
                                          prints the table, writes <outdir>/diff.txt and diff.json)
       unit-normal-diff.py --md <outdir> (the table as Markdown rows)"""
import json
import os
import re
import sys

OK = re.compile(r'^\[ok\]: (.*) \(\d+ ms\)$')
ERR = re.compile(r'^\[err\]: (.*) in tests/\S+$')
TEST_IN_TRACE = re.compile(r'^"?test [{"](.*?)["}] [{"]')


def parse_log(path):
    """Tests in order with their status; the exception text and the test it happened in."""
    if not os.path.exists(path):
        return None
    lines = open(path, errors='replace').read().split('\n')
    r = {'order': [], 'ok': set(), 'err': {}, 'exception': '', 'exception_test': '', 'timeout': False}
    for i, line in enumerate(lines):
        m = OK.match(line)
        if m:
            r['order'].append(m.group(1))
            r['ok'].add(m.group(1))
            continue
        m = ERR.match(line)
        if m:
            r['order'].append(m.group(1))
            r['err'][m.group(1)] = lines[i + 1].strip() if i + 1 < len(lines) else ''
            continue
        if line.startswith('[exception]'):
            r['exception'] = line.split(': ', 2)[-1]
            for later in lines[i + 1:i + 400]:
                m = TEST_IN_TRACE.match(later.strip())
                if m:
                    r['exception_test'] = m.group(1)
                    break
        if line.startswith('[TIMEOUT]') or line.startswith('[runner] killed'):
            r['timeout'] = True
    return r


def load_results(out):
    rows = {}
    order = []
    for line in open(os.path.join(out, 'results.tsv')).read().split('\n')[1:]:
        if not line.strip():
            continue
        f, server, ok, err, exc, to, secs = line.split('\t')
        if f not in rows:
            rows[f] = {}
            order.append(f)
        rows[f][server] = {'ok': int(ok), 'err': int(err), 'aborted': int(exc) + int(to) > 0, 'secs': int(secs)}
    return order, rows


def cell(r):
    if r is None:
        return '-'
    return '%d' % r['ok'] + (' (%d failed)' % r['err'] if r['err'] else '') + (' aborted' if r['aborted'] else '')


def main():
    md = sys.argv[1] == '--md'
    out = sys.argv[2] if md else sys.argv[1]
    order, rows = load_results(out)
    if md:
        print('| file | redis-server | embedded |')
        print('|---|---:|---:|')
        for f in order:
            print('| %s | %s | %s |' % (f, cell(rows[f].get('real')), cell(rows[f].get('embedded'))))
        return
    tot = {'real': [0, 0, 0], 'embedded': [0, 0, 0]}
    print('%-34s | %-28s | %-28s' % ('file (ok / failed / aborted)', 'redis-server', 'embedded'))
    for f in order:
        cells = []
        for s in ('real', 'embedded'):
            r = rows[f].get(s)
            if r:
                tot[s][0] += r['ok']
                tot[s][1] += r['err']
                tot[s][2] += r['aborted']
                cells.append('%5d %5d %-8s %5ds' % (r['ok'], r['err'], 'ABORTED' if r['aborted'] else '', r['secs']))
            else:
                cells.append('')
        print('%-34s | %-28s | %-28s' % (f, cells[0], cells[1]))
    print('%-34s | %5d %5d %2d aborted      | %5d %5d %2d aborted' % ('TOTAL', *tot['real'], *tot['embedded']))

    report = {}
    text = []
    for f in order:
        real = parse_log(os.path.join(out, 'logs', 'real', f + '.log'))
        emb = parse_log(os.path.join(out, 'logs', 'embedded', f + '.log'))
        if real is None or emb is None:
            continue
        failed = {t: emb['err'][t] for t in real['order'] if t in real['ok'] and t in emb['err']}
        missing = [t for t in real['order'] if t in real['ok'] and t not in emb['ok'] and t not in emb['err']]
        extra = [t for t in emb['order'] if t in emb['ok'] and t not in real['ok']]
        report[f] = {'real_ok': len(real['ok']), 'emb_ok': len(emb['ok']), 'emb_err': len(emb['err']),
                     'failed': failed, 'not_reached': missing, 'emb_only_ok': extra,
                     'exception': emb['exception'], 'exception_test': emb['exception_test'], 'timeout': emb['timeout']}
        text.append('== %s: real ok %d, embedded ok %d failed %d%s' % (f, len(real['ok']), len(emb['ok']), len(emb['err']),
                                                                       ' TIMEOUT' if emb['timeout'] else ''))
        for t, why in failed.items():
            text.append('  FAIL %s: %s' % (t, why[:300]))
        if emb['exception']:
            text.append('  EXCEPTION in [%s]: %s' % (emb['exception_test'], emb['exception'][:300]))
        if missing:
            text.append('  %d tests real passes were not reached, first: %s' % (len(missing), missing[0]))
    json.dump(report, open(os.path.join(out, 'diff.json'), 'w'), indent=1)
    open(os.path.join(out, 'diff.txt'), 'w').write('\n'.join(text) + '\n')
    print('per-test differences: %s' % os.path.join(out, 'diff.txt'))


if __name__ == '__main__':
    main()
