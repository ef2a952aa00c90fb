"""Which tus uploads were cut and where they went on: a PATCH that broke (a reset, a
502) was on the node HAProxy logged for its request id; the first PATCH that succeeded
after it names the node that took the upload over. An upload "resumed on another node"
when that node differs and the upload completed."""


def resumptions(tus_files, by_id, kills, times):
    """`by_id`: HAProxy's entries by request id; `kills`: (time, "killed", node);
    `times`: {request id: (end time, duration s)} from the clients' records."""
    figures = {
        "uploads": len(tus_files),
        "completed": sum(1 for f in tus_files if f.get("outcome") == "completed"),
        "interrupted uploads": 0,
        "cut by a kill": 0,
        "resumed on another node": 0,
        "resumed on the same node": 0,
        "not resumed": 0,
        "423 answers": 0,
        "longest claim wait s": 0.0,
        "examples": [],
    }
    for f in tus_files:
        patches = f.get("patches") or []
        figures["423 answers"] += sum(1 for p in patches if p.get("status") == 423)
        cuts = [i for i, p in enumerate(patches) if not p.get("ok") and p.get("status") != 423]
        if not cuts:
            continue
        figures["interrupted uploads"] += 1
        moved = stayed = False
        for i in cuts:
            cut = patches[i]
            node = by_id.get(cut["id"], ("?",))[0]
            ended, took = times.get(cut["id"], (0.0, 0.0))
            if any(k[2] == node and ended - took - 1 <= k[0] <= ended + 2 for k in kills):
                figures["cut by a kill"] += 1
            later = next((p for p in patches[i + 1:] if p.get("ok")), None)
            if later is None:
                continue
            resumed_at = times.get(later["id"], (ended, 0.0))
            figures["longest claim wait s"] = max(figures["longest claim wait s"], resumed_at[0] - resumed_at[1] - ended)
            if later.get("node") and later["node"] != node:
                moved = True
                if len(figures["examples"]) < 5:
                    figures["examples"].append(
                        f"{f['upload']}: cut on {node} at byte {cut['from']}, resumed on {later['node']} at byte {later['from']}")
            else:
                stayed = True
        if f.get("outcome") != "completed":
            figures["not resumed"] += 1
        elif moved:
            figures["resumed on another node"] += 1
        elif stayed:
            figures["resumed on the same node"] += 1
    return figures
