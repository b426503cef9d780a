# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Safe plugin loading: what is refused before any plugin code runs, the
ABI version check, the BTF schema cross-check, a plugin that fails to
start failing the run (or left out, on_plugin_failure = continue), and
--describe."""
import json
import os
import subprocess
import unittest

from bpfhost_test import Bpfhost, main, need_root, run_bpfhost
from plugin_fixtures import (build_drift, build_fake, copy_bundled,
                             safe_tmpdir)


class Loading(unittest.TestCase):
    def setUp(self):
        need_root(self)
        self.dir = safe_tmpdir(self)
        self.plugins = os.path.join(self.dir, "plugins")
        os.mkdir(self.plugins, 0o755)
        self.marker = os.path.join(self.dir, "marker")
        os.environ["BPFHOST_TEST_MARKER"] = self.marker
        self.addCleanup(os.environ.pop, "BPFHOST_TEST_MARKER", None)

    def bpfhost(self, *args, plugin_dir=None):
        return run_bpfhost("--plugin-dir", plugin_dir or self.plugins, *args)

    def marks(self):
        if not os.path.exists(self.marker):
            return []
        with open(self.marker) as f:
            return f.read().split()

    def assert_refused(self, name, why, plugin_dir=None):
        """name is refused with why, and none of its code ran."""
        rc, out, err = self.bpfhost("--describe", name, plugin_dir=plugin_dir)
        self.assertEqual(rc, 2, err)
        self.assertIn(why, err)
        self.assertEqual(out, "")
        self.assertEqual(self.marks(), [], "the refused plugin's code ran")

    # ---- checked before dlopen() -------------------------------------------

    def test_accepted_plugin_code_runs(self):
        """The marker works: an accepted plugin's constructor writes it."""
        build_fake(self.plugins, "fake")
        rc, out, err = self.bpfhost("--describe", "fake")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.marks(), ["constructor"])

    def test_first_release_ops_table_loads(self):
        """A table of the first release's size (before event_severities)
        loads, and the host reads nothing past its size: the poisoned
        pointer there would crash it."""
        build_fake(self.plugins, "fake", first_release=True)
        rc, out, err = self.bpfhost("--describe", "fake")
        self.assertEqual(rc, 0, err)
        self.assertIn("Event fake.tick: nothing\n  16-byte record, "
                      "severity from the output\n", out)

    def test_world_writable_file_refused(self):
        os.chmod(build_fake(self.plugins, "fake"), 0o666)
        self.assert_refused("fake", "writable by group or others (mode 0666)")

    def test_group_writable_file_refused(self):
        os.chmod(build_fake(self.plugins, "fake"), 0o664)
        self.assert_refused("fake", "writable by group or others (mode 0664)")

    def test_file_not_owned_by_root_refused(self):
        os.chown(build_fake(self.plugins, "fake"), 65534, 65534)
        self.assert_refused("fake", "owned by uid 65534, not root")

    def test_writable_directory_above_refused(self):
        build_fake(self.plugins, "fake")
        os.chmod(self.dir, 0o777)
        self.assert_refused("fake", "%s: it is writable by group or others"
                            % self.dir)

    def test_directory_not_owned_by_root_refused(self):
        build_fake(self.plugins, "fake")
        os.chown(self.plugins, 65534, 65534)
        self.assert_refused("fake", "%s: it is owned by uid 65534"
                            % self.plugins)

    def test_symlink_refused(self):
        elsewhere = os.path.join(self.dir, "elsewhere")
        os.mkdir(elsewhere, 0o755)
        build_fake(elsewhere, "fake")
        os.symlink(os.path.join(elsewhere, "fake.so"),
                   os.path.join(self.plugins, "fake.so"))
        self.assert_refused("fake", "it is a symbolic link")

    def test_fifo_refused_without_hanging(self):
        os.mkfifo(os.path.join(self.plugins, "fake.so"), 0o644)
        self.assert_refused("fake", "not a regular file")

    def test_relative_and_dotdot_directories_refused(self):
        build_fake(self.plugins, "fake")
        rc, _, err = run_bpfhost("--plugin-dir", "plugins", "-p", "fake")
        self.assertEqual(rc, 2)
        self.assertIn("is relative: give an absolute path", err)
        dotdot = os.path.join(self.plugins, "..", "plugins")
        rc, _, err = run_bpfhost("--plugin-dir", dotdot, "-p", "fake")
        self.assertEqual(rc, 2)
        self.assertIn("contains '..'", err)
        self.assertEqual(self.marks(), [])

    def test_override_relaxes_owner_check_loudly(self):
        os.chown(build_fake(self.plugins, "fake"), 65534, 65534)
        rc, out, err = self.bpfhost("--allow-unsafe-plugins", "--describe",
                                    "fake")
        self.assertEqual(rc, 0, err)
        self.assertIn("warning: --allow-unsafe-plugins", err)
        self.assertIn("UNSAFE: %s/fake.so is owned by uid 65534"
                      % self.plugins, err)
        self.assertEqual(self.marks(), ["constructor"])

    def test_override_keeps_writable_check(self):
        os.chmod(build_fake(self.plugins, "fake"), 0o666)
        rc, _, err = self.bpfhost("--allow-unsafe-plugins", "--describe",
                                  "fake")
        self.assertEqual(rc, 2)
        self.assertIn("writable by group or others", err)
        self.assertEqual(self.marks(), [])

    # ---- ABI version ---------------------------------------------------------

    def test_older_and_newer_abi_refused_naming_both(self):
        for abi in (0, 2):
            build_fake(self.plugins, "fake", abi=abi)
            rc, _, err = self.bpfhost("-p", "fake", "-d", "1")
            self.assertEqual(rc, 2, err)
            self.assertIn("was built for plugin ABI version %d, this bpfhost "
                          "speaks version 1" % abi, err)
            self.assertEqual(len(err.splitlines()), 1, err)
            # dlopen() ran its constructor, nothing past the version check.
            self.assertEqual(self.marks(), ["constructor"])
            os.unlink(self.marker)

    # ---- BTF cross-check -----------------------------------------------------

    def test_schema_matching_btf_accepted(self):
        build_drift(self.plugins, 0)
        rc, out, err = self.bpfhost("--describe", "drift", "-F", "json")
        self.assertEqual(rc, 0, err)
        fields = json.loads(out)["events"][0]["fields"]
        self.assertEqual([f["name"] for f in fields],
                         ["pid", "calls", "total", "comm"])

    def test_drifted_schema_refused_naming_field(self):
        build_drift(self.plugins, 4)
        rc, out, err = self.bpfhost("--describe", "drift")
        self.assertEqual(rc, 2, err)
        self.assertIn("does not match its own BPF object: event 'sample' "
                      "field 'calls' (4 bytes at offset 24) does not match "
                      "struct drift_event in the BPF object, which has "
                      "'total' (8 bytes at offset 24) there", err)

    def test_bundled_plugins_pass_the_check(self):
        rc, out, err = run_bpfhost("--list-plugins")
        self.assertEqual(rc, 0, err)
        self.assertIn("filesnoop", out)
        self.assertNotIn("does not match its own BPF object", err)

    # ---- a plugin that fails to start fails the run ---------------------------

    def config(self, text):
        path = os.path.join(self.dir, "bpfhost.ini")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_plugin_failing_to_attach_fails_the_run(self):
        """Fail closed: exit 1, every plugin closed again, nothing runs."""
        copy_bundled(self.plugins, "filesnoop")
        build_fake(self.plugins, "fake", fail_attach=True)
        rc, _, err = self.bpfhost("-p", "fake", "-p", "filesnoop", "-d", "5")
        self.assertEqual(rc, 1, err)
        self.assertIn("fake: cannot attach: no such device", err)
        self.assertIn("plugin fake failed to start (No such device); "
                      "stopping every plugin (on_plugin_failure = continue "
                      "under [bpfhost] runs the others without it)", err)
        self.assertNotIn("bpfhost: running", err)
        self.assertNotRegex(err, r"bpfhost: filesnoop: \d+ events")
        self.assertEqual(self.marks(), ["constructor", "open", "close"])

    def test_plugin_refusing_its_options_exits_2(self):
        """open() refusing its options is bad config, whatever the others
        do: exit 2, even with on_plugin_failure = continue."""
        copy_bundled(self.plugins, "filesnoop")
        copy_bundled(self.plugins, "xdpdrop")
        cfg = self.config("[bpfhost]\non_plugin_failure = continue\n")
        for extra in ([], ["-c", cfg]):
            rc, _, err = self.bpfhost("-p", "filesnoop", "-p", "xdpdrop",
                                      "-d", "5", *extra)
            self.assertEqual(rc, 2, err)
            self.assertIn("no interface given", err)
            self.assertNotIn("bpfhost: running", err)

    def test_on_plugin_failure_continue(self):
        """The others run, and the failure is said at start and at the end."""
        build_fake(self.plugins, "fake", fail_attach=True)
        copy_bundled(self.plugins, "filesnoop")
        cfg = self.config("[bpfhost]\non_plugin_failure = continue\n")
        probe = self.marker + ".probe"
        with Bpfhost("--plugin-dir", self.plugins, "-c", cfg, "-p", "fake",
                     "-p", "filesnoop", "-F", "json",
                     "-o", "filesnoop.path=" + probe) as b:
            with open(probe, "w"):
                pass
            self.assertEqual(b.stop(), 0, b.stderr())
            err = b.stderr()
            self.assertTrue(b.records(plugin="filesnoop", path=probe),
                            b.stdout())
        self.assertIn("WARNING: plugin fake failed to start (No such device) "
                      "and is NOT running; the others run without it "
                      "(on_plugin_failure = continue)", err)
        self.assertIn("bpfhost: running filesnoop WITHOUT 1 plugin that "
                      "failed to start (stop", err)
        self.assertIn("bpfhost: WARNING: fake did not run: it failed to start "
                      "(No such device)", err)
        self.assertNotRegex(err, r"bpfhost: fake: \d+ events")
        self.assertEqual(self.marks(), ["constructor", "open", "close"])

    def test_on_plugin_failure_bad_value(self):
        cfg = self.config("[bpfhost]\non_plugin_failure = maybe\n")
        rc, _, err = self.bpfhost("-c", cfg, "-p", "fake")
        self.assertEqual(rc, 2, err)
        self.assertIn("bpfhost.ini:2", err)
        self.assertIn("stop|continue", err)

    def test_refused_plugin_stops_before_anything_starts(self):
        """Refused at load is bad input: one line, exit 2, nothing runs."""
        copy_bundled(self.plugins, "filesnoop")
        build_fake(self.plugins, "fake", abi=2)
        rc, _, err = self.bpfhost("-p", "filesnoop", "-p", "fake", "-d", "5")
        self.assertEqual(rc, 2, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("plugin ABI version 2", err)
        self.assertNotIn("bpfhost: running", err)

    def test_no_plugin_left_exits_1(self):
        build_fake(self.plugins, "fake", fail_attach=True)
        cfg = self.config("[bpfhost]\non_plugin_failure = continue\n")
        rc, _, err = self.bpfhost("-c", cfg, "-p", "fake", "-d", "5")
        self.assertEqual(rc, 1, err)
        self.assertIn("no plugin left to run", err)
        self.assertNotIn("bpfhost: running", err)
        self.assertEqual(self.marks(), ["constructor", "open", "close"])

    def test_bad_config_is_still_exit_2(self):
        copy_bundled(self.plugins, "filesnoop")
        rc, _, err = self.bpfhost("-p", "filesnoop", "-o",
                                  "filesnoop.no_such_key=1")
        self.assertEqual(rc, 2, err)
        rc, _, err = self.bpfhost("-p", "no_such_plugin")
        self.assertEqual(rc, 2, err)
        self.assertIn("unknown plugin 'no_such_plugin'", err)


class Describe(unittest.TestCase):
    def setUp(self):
        need_root(self)

    def test_text(self):
        rc, out, err = run_bpfhost("--describe", "filesnoop")
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith("filesnoop 1.0.0 (plugin ABI 1): "))
        self.assertIn("\n  failed_only    bool       report only opens that "
                      "failed [default: no]\n", out)
        self.assertIn("Event filesnoop.open: ", out)
        self.assertRegex(out, r"\n  error +int +\d+ +4 errno +string +ERR\n")
        self.assertRegex(out, r"\n  mode +uint +\d+ +4 default +number +"
                         r"\(JSON and syslog only\)\n")

    def test_json_matches_the_json_records(self):
        rc, out, err = run_bpfhost("--describe", "filesnoop", "-F", "json")
        self.assertEqual(rc, 0, err)
        d = json.loads(out)
        self.assertEqual((d["plugin"], d["abi_version"]), ("filesnoop", 1))
        opts = {o["name"]: o for o in d["options"]}
        self.assertEqual(opts["failed_only"]["type"], "bool")
        self.assertEqual(opts["failed_only"]["default"], "no")
        self.assertTrue(opts["path"]["multi"])
        ev = d["events"][0]
        self.assertEqual((ev["name"], ev["btf_struct"], ev["severity"]),
                         ("open", "filesnoop_open_event", "info"))
        fields = {f["name"]: f for f in ev["fields"]}
        self.assertEqual(fields["flags"]["json_type"], "string")
        self.assertIn("O_CREAT", [v["name"] for v in fields["flags"]["values"]])
        self.assertEqual(fields["pid"]["json_type"], "number")
        self.assertIsNone(fields["mode"]["text_header"])

        # The description says what a real record carries, type by type.
        probe = os.path.join(safe_tmpdir(self), "describe-probe")
        with open(probe, "w"):
            pass
        with Bpfhost("-p", "filesnoop", "-F", "json",
                     "-o", "filesnoop.path=" + probe) as b:
            subprocess.run(["cat", probe], capture_output=True)
            b.stop()
            recs = b.records(path=probe)
            self.assertTrue(recs, b.stderr() + b.stdout())
        rec = recs[0]
        # The SEVERITY field is the record's "severity", after "event".
        names = [f["name"] for f in ev["fields"] if f["json_type"]]
        self.assertEqual(list(rec)[3:], ["severity"] + names)
        py = {"number": int, "string": str, "boolean": bool}
        for name, f in fields.items():
            if f["json_type"] and rec[name] is not None:
                self.assertIsInstance(rec[name], py[f["json_type"]], name)

    def test_errors(self):
        rc, _, err = run_bpfhost("--describe", "no_such_plugin")
        self.assertEqual(rc, 2)
        self.assertIn("unknown plugin 'no_such_plugin'", err)
        rc, _, err = run_bpfhost("--describe", "filesnoop", "-F", "xml")
        self.assertEqual(rc, 2)


if __name__ == "__main__":
    main()
