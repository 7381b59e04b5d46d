"""Child process for the durability tests: writes records and prints each RecordId only after
the write call returned success (i.e. after the commit), so the parent knows what was
acknowledged when it kills this process."""

from __future__ import annotations

import sys

from store_helpers import TEMPLATE, child_record

from whea_gui.store import open_store


def main() -> None:
    path, base, count, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    host = sys.argv[5] if len(sys.argv) > 5 else ""  # a fleet importer names its host
    template = TEMPLATE.read_bytes()
    with open_store(path) as store:
        print("ready", flush=True)
        if mode == "single":
            for rid in range(base, base + count):
                result = store.write_error_record(child_record(template, rid),
                                                  source={"host": host} if host else None)
                if result.ok:
                    print(rid, flush=True)
        else:  # batches through write_records: the whole batch is acknowledged at once
            for start in range(base, base + count, 25):
                ids = range(start, min(start + 25, base + count))
                ok: list[int] = []

                def note(result, source, ok=ok):
                    if result.ok:
                        ok.append(source["offset"])

                store.write_records(((child_record(template, r), {"offset": r, "host": host})
                                     for r in ids),
                                    validate="header", batch_size=25, on_result=note)
                if ok:
                    print("\n".join(map(str, ok)), flush=True)


if __name__ == "__main__":
    main()
