import paho.mqtt.client as mqtt

client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
client.will_set("home/sensor1/status", "offline", qos=1, retain=True)
client.connect("broker.example.com", 1883, 60)
