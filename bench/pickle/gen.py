"""Write pickles of varied objects at every protocol this Python supports into DIR, and
print for each `path<TAB>module.name,...`: the globals that unpickling looks up (recorded
by overriding find_class). Only this script's own objects are pickled and read back;
functions are pickled by reference, never called.
Usage: python gen.py DIR"""
import collections, datetime, decimal, fractions, io, os, pickle, sys

DIR = sys.argv[1]
tag = "%d%d" % sys.version_info[:2]


class Point(object):
    def __init__(self, x, y):
        self.x, self.y = x, y


objects = {
    "plain": [1, -2, 3.5, 2 ** 70, u"text \u00e9", b"bytes" if sys.version_info[0] > 2 else "s", None, True, (1,), ()],
    "nested": {"a": [{"b": (1, 2, 3)}] * 3, "s": set([1, 2]), "f": frozenset([3])},
    "classes": [collections.OrderedDict(a=1), datetime.datetime(2024, 1, 2, 3, 4, 5),
                decimal.Decimal("1.5"), fractions.Fraction(1, 3), collections.deque([1, 2])],
    "refs": [os.system, os.path.join, len, getattr, collections.defaultdict(list)],
    "instance": [Point(1, 2), Point("a", [Point(3, 4)])],
    "shared": [u"same string"] * 5 + [Point(0, 0)] * 2,
    "big": [u"x" * 70000, list(range(3000))],
}
for name, obj in sorted(objects.items()):
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        data = pickle.dumps(obj, protocol=proto)
        seen = []

        class Rec(pickle.Unpickler):
            def find_class(self, module, name):
                seen.append("%s.%s" % (module, name))
                if module == "__main__":
                    return globals()[name]
                return pickle.Unpickler.find_class(self, module, name)

        Rec(io.BytesIO(data)).load()
        path = os.path.join(DIR, "%s-%s-p%d.pkl" % (tag, name, proto))
        with open(path, "wb") as f:
            f.write(data)
        print("%s\t%s" % (path, ",".join(seen)))
