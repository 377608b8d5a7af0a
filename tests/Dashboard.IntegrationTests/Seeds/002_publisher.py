import paho.mqtt.client as mqtt
import json
import time

client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
client.connect("localhost", 1883, 60)

while True:
    payload = json.dumps({"value": 23.5, "unit": "celsius"})
    client.publish("home/livingroom/temperature", payload, qos=1)
    time.sleep(30)
