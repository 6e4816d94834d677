"""Drives an IDStation node with the real pyhandle client (PyPI), as a Handle.net user would.

    pyhandle_client.py lifecycle URL USER PASSWORD HANDLE   create, read, modify, delete
    pyhandle_client.py read URL HANDLE                      resolve one handle, read-only
    pyhandle_client.py read_owner URL USER PASSWORD HANDLE  resolve it as its administrator
    pyhandle_client.py modify URL USER PASSWORD HANDLE KEY VALUE   change one value, then read

Prints one JSON object per step on stdout; the Rust test asserts on them and on the node.
"""
import json
import sys

from pyhandle.handleclient import PyHandleClient


def step(name, **result):
    print(json.dumps({"step": name, **result}, ensure_ascii=False), flush=True)


def lifecycle(url, user, password, handle):
    client = PyHandleClient("rest").instantiate_with_username_and_password(
        url, user, password, HTTPS_verify=False
    )
    created = client.register_handle(
        handle, "https://example.cn/cal/first", overwrite=False, EMAIL="lab@example.cn"
    )
    step("create", handle=created)
    step("read", record=client.retrieve_handle_record(handle))
    client.modify_handle_value(handle, URL="https://example.cn/cal/second")
    step("modify", url=client.get_value_from_handle(handle, "URL"))
    client.delete_handle_value(handle, "EMAIL")
    step("delete_value", record=client.retrieve_handle_record(handle))
    client.delete_handle(handle)
    step("delete_handle")
    step("read_deleted", record=client.retrieve_handle_record(handle))


def read(url, handle):
    client = PyHandleClient("rest").instantiate_for_read_access(
        handle_server_url=url, HTTPS_verify=False
    )
    step("read", record=client.retrieve_handle_record(handle))


def authenticated_reads(client, user, password):
    """pyhandle sends credentials with writes only; a Handle.Net administrator reading values
    that are not public (permissions 1100) authenticates the read too. pyhandle has no option
    for that, so its HTTP session is given the same credentials."""
    connector = client._RESTHandleClient__handlesystemconnector
    connector._HandleSystemConnector__session.auth = (user, password)
    return client


def read_owner(url, user, password, handle):
    client = PyHandleClient("rest").instantiate_with_username_and_password(
        url, user, password, HTTPS_verify=False
    )
    authenticated_reads(client, user, password)
    step("read", record=client.retrieve_handle_record(handle, publicOnly="false"))


def modify(url, user, password, handle, key, value):
    client = PyHandleClient("rest").instantiate_with_username_and_password(
        url, user, password, HTTPS_verify=False
    )
    client.modify_handle_value(handle, **{key: value})
    step("modify", value=client.get_value_from_handle(handle, key))


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    modes = {"lifecycle": lifecycle, "read": read, "read_owner": read_owner, "modify": modify}
    modes[mode](*args)
