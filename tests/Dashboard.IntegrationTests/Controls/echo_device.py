# A device that obeys commands the way its firmware documents, for the controls tests (paho-mqtt 1.x, Debian's).
# usage: echo_device.py <port> <kind> <name> [silent]
#   tasmota:  subscribes cmnd/<name>/POWER, answers on stat/<name>/POWER (and stat/<name>/RESULT)
#   discovery: a Home Assistant switch (abbreviated config) on <name>/fan/set with ENABLE/DISABLE, state on <name>/fan/state
#   tutorial: the tutorials' ESP32: subscribes <name>/led/set, publishes <name>/status and <name>/temperature, never says its state
# silent: subscribes but never answers.
import json
import sys

import paho.mqtt.client as mqtt

port, kind, name = int(sys.argv[1]), sys.argv[2], sys.argv[3]
silent = len(sys.argv) > 4 and sys.argv[4] == "silent"

if kind == "tasmota":
    command, state = f"cmnd/{name}/POWER", f"stat/{name}/POWER"
elif kind == "discovery":
    command, state = f"{name}/fan/set", f"{name}/fan/state"
else:
    command, state = f"{name}/led/set", None


def on_connect(client, userdata, flags, rc):
    if kind == "discovery":
        config = {"~": f"{name}/fan", "name": "Fan", "cmd_t": "~/set", "stat_t": "~/state", "pl_on": "ENABLE", "pl_off": "DISABLE",
                  "dev": {"ids": [name], "name": name}}
        client.publish(f"homeassistant/switch/{name}/fan/config", json.dumps(config), qos=1, retain=True)
        client.publish(state, "DISABLE", qos=1, retain=True)
    elif kind == "tasmota":
        client.publish(f"tele/{name}/LWT", "Online", qos=1, retain=True)
        client.publish(state, "OFF", qos=1)
    else:
        client.publish(f"{name}/status", "online")
        client.publish(f"{name}/temperature", "21.50")
    client.subscribe(command, qos=1 if kind != "tutorial" else 0)


def on_subscribe(client, userdata, mid, granted_qos):
    print("ready", flush=True)


def on_message(client, userdata, message):
    payload = message.payload.decode()
    print(f"got {message.topic} {payload}", flush=True)
    if silent or state is None:
        return
    if kind == "tasmota":
        client.publish(f"stat/{name}/RESULT", json.dumps({"POWER": payload}))
    client.publish(state, payload, retain=kind == "discovery")


client = mqtt.Client(client_id=f"{kind}-{name}")
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect("127.0.0.1", port, 60)
client.loop_forever()
