import paho.mqtt.client as mqtt

client = mqtt.Client()
client.connect("localhost", 1883, 60)

# Publish with retain flag
client.publish("home/status", "online", retain=True)

# New subscribers immediately receive the retained message
