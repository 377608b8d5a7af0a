import paho.mqtt.client as mqtt

client = mqtt.Client("sensor_device")

# Set LWT before connecting
client.will_set(
    "home/sensor/status",
    payload="offline",
    qos=1,
    retain=True
)

client.connect("localhost", 1883, 60)

# Publish online status
client.publish("home/sensor/status", "online", retain=True)
