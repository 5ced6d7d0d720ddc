"""Settings are shared by the window, the CLI and `watch`: each saves only what its user
changed, merged into the file as it is on disk, and notices what the others saved."""

from __future__ import annotations

import json

from soundseek.app import App
from soundseek.app.events import SettingsChanged


def test_saving_one_key_keeps_what_another_process_saved_meanwhile(home):
    window, terminal = App.open(home), App.open(home)
    terminal.update_settings(model="tiny", batch_size=4)  # `soundseek model use` elsewhere
    window.update_settings(volume=0.3)  # the window never read the terminal's save
    on_disk = json.loads(home.settings_file.read_text())
    assert (on_disk["model"], on_disk["batch_size"], on_disk["volume"]) == ("tiny", 4, 0.3)
    assert window.settings.model == "tiny" and window.settings.volume == 0.3


def test_a_change_saved_elsewhere_is_noticed_with_its_keys(home):
    window, terminal = App.open(home), App.open(home)
    seen = []
    window.events.subscribe(lambda e: isinstance(e, SettingsChanged) and seen.append(e.changed))
    terminal.update_settings(model="tiny")
    assert window.reload_settings() == {"model"} and seen == [{"model"}]
    assert window.reload_settings() == frozenset(), "nothing new: nothing changed"
    terminal.update_settings(model="other")  # a second save within one clock tick
    assert window.reload_settings() == {"model"} and window.settings.model == "other"


def test_keys_a_newer_version_wrote_survive_a_save(home):
    App.open(home)
    raw = json.loads(home.settings_file.read_text())
    home.settings_file.write_text(json.dumps({**raw, "from_the_future": 1}))
    App.open(home).update_settings(volume=0.5)
    assert json.loads(home.settings_file.read_text())["from_the_future"] == 1
