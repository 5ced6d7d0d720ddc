"""Edit an iXML document's USER and ASWG fields, keeping everything else it holds."""

from __future__ import annotations

from xml.etree import ElementTree

from soundseek.files.riff import RiffError
from soundseek.metadata.fields import ASWG_NAMES, USER_NAMES, MetadataChange


def _parse(data: bytes) -> ElementTree.Element:
    """Comments and processing instructions are kept: a recorder's notes are not ours."""
    builder = ElementTree.TreeBuilder(insert_comments=True, insert_pis=True)
    parser = ElementTree.XMLParser(target=builder)
    try:
        parser.feed(data.split(b"\x00", 1)[0].strip())
        return parser.close()
    except ElementTree.ParseError as exc:
        raise RiffError(f"its iXML is not valid XML ({exc}); not rewritten") from exc


def _set(parent: ElementTree.Element, tag: str, text: str) -> None:
    node = parent.find(tag)
    if node is None:
        node = ElementTree.SubElement(parent, tag)
    node.text = text


def _section(root: ElementTree.Element, tag: str) -> ElementTree.Element:
    node = root.find(tag)
    return node if node is not None else ElementTree.SubElement(root, tag)


def update_ixml(
    existing: bytes | None, change: MetadataChange, extra_user: dict[str, str] | None = None
) -> bytes:
    """The document with the change's USER and ASWG fields set (a new BWFXML if none), and
    `extra_user` fields (by their USER tag names) too."""
    root = _parse(existing) if existing else ElementTree.Element("BWFXML")
    if root.tag != "BWFXML":
        raise RiffError(f"its iXML root is <{root.tag}>, not <BWFXML>; not rewritten")
    if root.find("IXML_VERSION") is None:
        version = ElementTree.Element("IXML_VERSION")
        version.text = "2.10"
        root.insert(0, version)
    values = change.values()
    user, aswg = _section(root, "USER"), _section(root, "ASWG")
    for attr, value in values.items():
        _set(user, USER_NAMES[attr], value)
        if attr in ASWG_NAMES:
            _set(aswg, ASWG_NAMES[attr], value)
    for tag, value in (extra_user or {}).items():
        _set(user, tag, value)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
