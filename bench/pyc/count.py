# For each .pyc given, print "path consts names": string/bytes constants (nested tuples,
# frozensets and code objects included) and co_names, read with this Python's own marshal.
# Run with the Python that wrote the files (bench/pyc/check.sh does). Only the standard
# library's own bytecode is loaded here, never a sample's.
import sys, marshal, types
def hdr(v):
    if v >= (3,7): return 16
    if v >= (3,3): return 12
    return 8
def walk(co, acc):
    for c in co.co_consts:
        walkc(c, acc)
    acc[1] += len(co.co_names)
def walkc(c, acc):
    if isinstance(c, (str, bytes)) or (sys.version_info[0]==2 and isinstance(c, unicode)):
        acc[0] += 1
    elif isinstance(c, (tuple, frozenset)):
        for x in c: walkc(x, acc)
    elif isinstance(c, types.CodeType):
        walk(c, acc)
for p in sys.argv[1:]:
    d = open(p, 'rb').read()
    co = marshal.loads(d[hdr(sys.version_info):])
    acc = [0, 0]
    walk(co, acc)
    print("%s %d %d" % (p, acc[0], acc[1]))
