// The address box's premises search. The server renders the matching premises (htmx swaps the
// list in as the handler types); this lets the handler pick one by keyboard (Down/Up, Enter,
// Escape) or click, and fills the address with the premises' one-line address and the hidden
// UPRN and coordinates. Typing over a picked address clears them: the text is then free text.

function setUp(widget) {
  const input = widget.querySelector("input[role=combobox]");
  const list = widget.querySelector(".premises-results");
  const picked = widget.querySelector("[data-premises-picked]");
  const field = (name) => widget.querySelector(`[data-premises-field=${name}]`);
  let active = -1;
  let pickedAddress = null;

  const options = () => Array.from(list.querySelectorAll("[role=option]"));
  const isOpen = () => options().length > 0;

  function highlight(index) {
    // index -1: none highlighted
    const all = options();
    active = index >= 0 && all.length ? index % all.length : -1;
    all.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function close() {
    list.innerHTML = "";
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function setPremises(uprn, latitude, longitude) {
    field("uprn").value = uprn;
    field("latitude").value = latitude;
    field("longitude").value = longitude;
  }

  function pick(option) {
    const { uprn, address, latitude, longitude } = option.dataset;
    input.value = address;
    pickedAddress = address;
    setPremises(uprn, latitude, longitude);
    picked.textContent = `Premises UPRN ${uprn} picked from the register.`;
    picked.hidden = false;
    close();
    // The call form re-assesses on "change"; the search itself listens to "input" only.
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.focus();
  }

  list.addEventListener("htmx:afterSwap", () => {
    highlight(-1);
    input.setAttribute("aria-expanded", String(isOpen()));
  });
  list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
  list.addEventListener("click", (event) => {
    const option = event.target.closest("[role=option]");
    if (option) pick(option);
  });
  input.addEventListener("keydown", (event) => {
    if (!isOpen() || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const last = options().length - 1;
      highlight(event.key === "ArrowDown" ? active + 1 : active <= 0 ? last : active - 1);
    } else if (event.key === "Enter") {
      // Enter picks the highlighted premises (the best one if none is), never submits the call.
      event.preventDefault();
      event.stopPropagation();
      pick(options()[Math.max(active, 0)]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("input", () => {
    if (pickedAddress !== null && input.value !== pickedAddress) {
      pickedAddress = null;
      setPremises("", "", "");
      picked.hidden = true;
    }
  });
  input.addEventListener("blur", () => window.setTimeout(close, 150));
}

document.querySelectorAll("[data-premises-search]").forEach(setUp);
