"""The preview's transfer controls: varispeed (semitones), reverse and the DAW preset. What is
auditioned is what a drag or a transfer delivers: the player and the transfer engine both
read these."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QWidget

if TYPE_CHECKING:
    from soundseek.app import App


class AuditionShape:
    """Owns three widgets; `changed()` is called when pitch or reverse move."""

    def __init__(self, app: App, changed: Callable[[], None]) -> None:
        self.app = app
        self.pitch = QDoubleSpinBox()
        self.pitch.setObjectName("pitch")
        self.pitch.setRange(-24.0, 24.0)
        self.pitch.setSingleStep(1.0)
        self.pitch.setDecimals(1)
        self.pitch.setSuffix(" st")
        self.pitch.setToolTip("Varispeed: pitch and speed together, as a tape machine; "
                              "the drag and transfers render it so")  # fmt: skip
        self.reverse_box = QCheckBox("Reverse")
        self.reverse_box.setToolTip("Audition, drag and transfer the sound reversed")
        self.preset_box = QComboBox()
        self.preset_box.setObjectName("transferPreset")
        self.preset_box.setToolTip("What a drag delivers: the DAW's transfer preset")
        self._fill_presets()
        self.pitch.valueChanged.connect(lambda _v: changed())
        self.reverse_box.toggled.connect(lambda _on: changed())
        self.preset_box.currentIndexChanged.connect(lambda _i: self._preset_chosen(changed))

    def widgets(self) -> list[QWidget]:
        return [self.pitch, self.reverse_box, self.preset_box]

    def _fill_presets(self) -> None:
        active = self.app.settings.transfer_preset
        for key, label, note in self.app.transfers.presets():
            self.preset_box.addItem(label, key)
            self.preset_box.setItemData(self.preset_box.count() - 1, note, 3)  # tooltip role
            if key == active:
                self.preset_box.setCurrentIndex(self.preset_box.count() - 1)

    def _preset_chosen(self, changed: Callable[[], None]) -> None:
        key = self.preset_box.currentData()
        if key and key != self.app.settings.transfer_preset:
            self.app.update_settings(transfer_preset=key)
            changed()

    @property
    def semitones(self) -> float:
        return float(self.pitch.value())

    @property
    def reverse(self) -> bool:
        return self.reverse_box.isChecked()

    def shape(self) -> tuple[float, bool]:
        return self.semitones, self.reverse

    def renders(self) -> bool:
        """Whether a drag makes a copy (not the original file untouched)."""
        keep = self.app.settings.transfer_preset == "keep"
        return not keep or bool(self.semitones) or self.reverse
