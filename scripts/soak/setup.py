"""Sets up the soak's installation through HAProxy, as people and programs would: the
operator (made by `hopper create-superadmin`) signs in, creates the company, its storage
location and its first admin; the admin creates the project and two uploaders, gives
them access and makes a personal token with the `admin` scope; that token starts the
cycle and makes an upload link through the automation API; `hopper token create` makes
the machine tokens tus and `hopper sync` use. Writes what the load needs as JSON.

Usage: setup.py --base URL --hopper BIN --operator NAME --operator-password PW
                --bucket NAME --out FILE
"""

import argparse
import json
import re
import subprocess
import sys
import uuid

from web import Browser, Recorder, csrf_of, secret_of, signed_in

UPLOADERS = ("soak.uma", "soak.ulf")


def fail(what, response):
    detail = "no answer" if response is None else f"{response.status_code} {response.text[:500]}"
    sys.exit(f"setup: {what}: {detail}")


def post_ok(browser, path, fields, what, status=303):
    form = {"csrf_token": browser.csrf, **fields}
    answer = browser.post(path, form, "setup")
    if answer is None or answer.status_code != status:
        fail(what, answer)
    return answer


def with_csrf(browser):
    browser.csrf = csrf_of(browser.get("/account/password", "setup"))
    return browser


def passphrase():
    return f"soak passphrase {uuid.uuid4().hex}"


def api(base, token, method, path, body, recorder):
    browser = Browser(base, recorder, "setup")
    answer = browser.request(
        method, path, "setup", json=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
    )
    if answer is None or answer.status_code not in (200, 201):
        fail(f"{method} {path}", answer)
    return answer.json()


def machine_token(hopper, project, name):
    out = subprocess.run(
        [hopper, "token", "create", "--project", str(project), "--scope", "upload,read", "--name", name],
        check=True, capture_output=True, text=True,
    ).stdout
    match = re.search(r"(hop_\S+)", out)
    if not match:
        sys.exit(f"setup: hopper token create printed no token: {out}")
    return match.group(1)


def main():
    parser = argparse.ArgumentParser()
    for flag in ("--base", "--hopper", "--operator", "--operator-password", "--bucket", "--out"):
        parser.add_argument(flag, required=True)
    args = parser.parse_args()
    recorder = Recorder(args.out + ".requests.jsonl")
    base = args.base

    op_password = passphrase()
    op = with_csrf(signed_in(base, recorder, "setup", args.operator, args.operator_password, op_password))
    created = post_ok(op, "/operator/companies", {
        "company_name": "Soak Ltd", "company_code": "SOAK", "contact_email": "office@soak.test",
    }, "create the company")
    company = int(created.headers["Location"].rstrip("/").split("/")[-1].split("#")[0])
    post_ok(op, f"/operator/companies/{company}/locations", {
        "label": "Soak store", "bucket_name": args.bucket, "aws_region": "us-east-1", "key_root": "soak",
    }, "add the storage location")
    first = post_ok(op, f"/operator/companies/{company}/first-admin", {
        "username": "soak.admin", "email": "admin@soak.test", "full_name": "Ada Soak",
    }, "create the first admin", status=200)
    admin_once = secret_of(first, "one-time-password")

    admin_password = passphrase()
    admin = with_csrf(signed_in(base, recorder, "setup", "soak.admin", admin_once, admin_password))
    new_project = admin.get("/admin/projects/new", "setup")
    location = re.search(r'<option value="(\d+)"[^>]*>\s*Soak store', new_project.text)
    if not location:
        fail("find the storage location on the project form", new_project)
    project_created = post_ok(admin, "/admin/projects", {
        "project_name": "Soak", "storage_location_id": location.group(1), "is_active": "on",
    }, "create the project")
    project = int(project_created.headers["Location"].split("#")[0].rstrip("/").split("/")[-1])

    uploaders = []
    for username in UPLOADERS:
        page = post_ok(admin, "/admin/users", {
            "username": username, "full_name": username.replace(".", " ").title(),
            "email": f"{username}@soak.test", "role": "user",
        }, f"create {username}", status=200)
        uploaders.append({"username": username, "one_time": secret_of(page, "one-time-password")})
    edit = admin.get(f"/admin/projects/{project}", "setup")
    for user in uploaders:
        option = re.search(rf'<option value="(\d+)"[^>]*>[^<]*{re.escape(user["username"])}', edit.text)
        if not option:
            fail(f"find {user['username']} among the users to give access to", edit)
        post_ok(admin, f"/admin/projects/{project}/access", {
            "user_id": option.group(1), "access_role": "uploader",
        }, f"give {user['username']} access")
        # The first sign-in chooses the password; the load signs in again with it.
        user["password"] = passphrase()
        signed_in(base, recorder, "setup", user["username"], user["one_time"], user["password"])

    tokens = admin.request("POST", "/account/tokens", "setup", data=[
        ("csrf_token", admin.csrf), ("name", "soak automation"), ("scope", "read"),
        ("scope", "admin"), ("days", "7"),
    ])
    admin_token = tokens is not None and secret_of(tokens, "new-token")
    if not admin_token:
        fail("make the admin's personal token", tokens)

    started = api(base, admin_token, "POST", f"/api/v1/projects/{project}/cycles", {}, recorder)
    cycle = started["cycle"]["id"]
    link = api(base, admin_token, "POST", f"/api/v1/cycles/{cycle}/links", {
        "label": "soak senders", "days": 7, "max_files": 10000, "max_mib": 1048576,
    }, recorder)
    link_path = link["url"][link["url"].find("/u/"):]

    setup = {
        "base": base,
        "company": company,
        "project": project,
        "cycle": cycle,
        "bucket": args.bucket,
        "uploaders": [{"username": u["username"], "password": u["password"]} for u in uploaders],
        "tus_token": machine_token(args.hopper, project, "soak tus"),
        "sync_token": machine_token(args.hopper, project, "soak sync"),
        "admin_token": admin_token,
        "link": link_path,
    }
    with open(args.out, "w") as f:
        json.dump(setup, f, indent=2)


if __name__ == "__main__":
    main()
